import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PreconditionError } from './preflight/precondition-error';
import type { DnsServer } from '../activities/dns/query';
import type { RegistryConfig } from '../activities/epp/registry-connection';

/**
 * Worker settings from the environment. Temporal connection settings are read separately, the
 * Temporal way (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE).
 */
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'host:port');
export const defaultMetricsAddress = '127.0.0.1:9464';

export const WorkerEnv = z.object({
  COUNTERSIGN_TASK_QUEUE: z.string().min(1).default('countersign'),
  COUNTERSIGN_PDNS_API_URL: z.url().default('http://127.0.0.1:8081'),
  COUNTERSIGN_PDNS_API_KEY: z.string().min(8).optional(),
  COUNTERSIGN_PDNS_API_KEY_FILE: z.string().min(1).optional(),
  COUNTERSIGN_VERIFY_SERVERS: z.string().default('127.0.0.1:5300'),
  COUNTERSIGN_EVIDENCE_DIR: z.string().min(1).optional(),
  COUNTERSIGN_POLICY: z.string().min(1).optional(),
  COUNTERSIGN_APPROVERS: z.string().min(1).optional(),
  COUNTERSIGN_ESCALATION_WEBHOOK: z.url().optional(),
  // A chat tool's incoming webhook (Slack-compatible) for escalations.
  COUNTERSIGN_CHAT_WEBHOOK: z.url().optional(),
  // The folder remembering delivered notifications across worker restarts; unset: .data/notification-ledger.
  COUNTERSIGN_NOTIFICATION_LEDGER: z.string().min(1).optional(),
  // The registry (EPP) for registrar changes; all of host, client id, password file and the three PEM files, or none.
  COUNTERSIGN_EPP_HOST: z.string().min(1).optional(),
  COUNTERSIGN_EPP_PORT: z.coerce.number().int().min(1).max(65535).default(700),
  COUNTERSIGN_EPP_CLID: z.string().min(3).max(16).optional(),
  COUNTERSIGN_EPP_PASSWORD_FILE: z.string().min(1).optional(),
  COUNTERSIGN_EPP_CA_FILE: z.string().min(1).optional(),
  COUNTERSIGN_EPP_CERT_FILE: z.string().min(1).optional(),
  COUNTERSIGN_EPP_KEY_FILE: z.string().min(1).optional(),
  COUNTERSIGN_PARENT_DNS: z.string().min(1).optional(),
  COUNTERSIGN_SECRETS_DIR: z.string().min(1).optional(),
  // How many workflows the worker keeps in memory (~2 MiB each); unset: createChangeWorker's default.
  COUNTERSIGN_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).max(100_000).optional(),
  // The Prometheus endpoint (/metrics) of the worker process; `off` serves none.
  COUNTERSIGN_METRICS_ADDRESS: z.union([z.literal('off'), hostPort]).default(defaultMetricsAddress),
});

export interface WorkerConfig {
  readonly taskQueue: string;
  readonly pdns: { readonly apiUrl: string; readonly apiKey: string };
  readonly verifyServers: readonly DnsServer[];
  readonly evidenceDir?: string;
  /** A policy file or directory; unset: the shipped default policy. */
  readonly policyPath?: string;
  /** The approver directory file; unset: no approval can be verified (fail closed). */
  readonly approversPath?: string;
  readonly escalationWebhook?: string;
  /** A chat tool's incoming webhook for escalations (Slack-compatible body). */
  readonly chatWebhook?: string;
  /** The delivered-notifications folder; unset: the worker's default under `.data/`. */
  readonly notificationLedgerDir?: string;
  /** The registry for registrar changes; unset: they fail, saying no registry is configured. */
  readonly registry?: RegistryConfig;
  /** Workflows kept in memory; unset: the default of createChangeWorker. */
  readonly maxCachedWorkflows?: number;
  /** host:port of the Prometheus endpoint; unset: none (COUNTERSIGN_METRICS_ADDRESS=off). */
  readonly metricsAddress?: string;
}

/**
 * COUNTERSIGN_METRICS_ADDRESS alone, for processes that run a worker without the rest of this
 * configuration (the demo): host:port, or undefined for `off`.
 */
export function metricsAddressOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const parsed = WorkerEnv.shape.COUNTERSIGN_METRICS_ADDRESS.safeParse(env.COUNTERSIGN_METRICS_ADDRESS);
  if (!parsed.success)
    throw new PreconditionError(
      `worker configuration: COUNTERSIGN_METRICS_ADDRESS: expected host:port (such as ${defaultMetricsAddress}) or off, got ${JSON.stringify(env.COUNTERSIGN_METRICS_ADDRESS)}.`,
    );
  return parsed.data === 'off' ? undefined : parsed.data;
}

export function parseHostPort(text: string): DnsServer {
  const parsed = hostPort.parse(text.trim());
  const index = parsed.lastIndexOf(':');
  return { host: parsed.slice(0, index).replace(/^\[|\]$/g, ''), port: Number(parsed.slice(index + 1)) };
}

function readKeyFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  return readSecretFile('COUNTERSIGN_PDNS_API_KEY_FILE', file, 'the PowerDNS API key');
}

function readSecretFile(variable: string, file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new PreconditionError(
      `worker configuration: ${variable}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Point it at the file holding ${what}.`,
    );
  }
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) {
    throw new PreconditionError(
      `worker configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Fix the variable and start the worker again.`,
    );
  }
  const e = parsed.data;
  const apiKey = e.COUNTERSIGN_PDNS_API_KEY ?? readKeyFile(e.COUNTERSIGN_PDNS_API_KEY_FILE);
  if (apiKey === undefined)
    throw new PreconditionError(
      'worker configuration: COUNTERSIGN_PDNS_API_KEY or COUNTERSIGN_PDNS_API_KEY_FILE must be set (the PowerDNS API key). Set one and start the worker again.',
    );
  return {
    taskQueue: e.COUNTERSIGN_TASK_QUEUE,
    pdns: { apiUrl: e.COUNTERSIGN_PDNS_API_URL, apiKey },
    verifyServers: e.COUNTERSIGN_VERIFY_SERVERS.split(',').map(parseHostPort),
    ...(e.COUNTERSIGN_EVIDENCE_DIR === undefined ? {} : { evidenceDir: e.COUNTERSIGN_EVIDENCE_DIR }),
    ...(e.COUNTERSIGN_POLICY === undefined ? {} : { policyPath: e.COUNTERSIGN_POLICY }),
    ...(e.COUNTERSIGN_APPROVERS === undefined ? {} : { approversPath: e.COUNTERSIGN_APPROVERS }),
    ...(e.COUNTERSIGN_ESCALATION_WEBHOOK === undefined
      ? {}
      : { escalationWebhook: e.COUNTERSIGN_ESCALATION_WEBHOOK }),
    ...(e.COUNTERSIGN_CHAT_WEBHOOK === undefined ? {} : { chatWebhook: e.COUNTERSIGN_CHAT_WEBHOOK }),
    ...(e.COUNTERSIGN_NOTIFICATION_LEDGER === undefined
      ? {}
      : { notificationLedgerDir: e.COUNTERSIGN_NOTIFICATION_LEDGER }),
    ...(e.COUNTERSIGN_MAX_CACHED_WORKFLOWS === undefined
      ? {}
      : { maxCachedWorkflows: e.COUNTERSIGN_MAX_CACHED_WORKFLOWS }),
    ...(e.COUNTERSIGN_METRICS_ADDRESS === 'off' ? {} : { metricsAddress: e.COUNTERSIGN_METRICS_ADDRESS }),
    ...registryConfig(e),
  };
}

function registryConfig(e: z.infer<typeof WorkerEnv>): { registry?: RegistryConfig } {
  if (e.COUNTERSIGN_EPP_HOST === undefined) return {};
  const missing = (
    [
      'COUNTERSIGN_EPP_CLID',
      'COUNTERSIGN_EPP_PASSWORD_FILE',
      'COUNTERSIGN_EPP_CA_FILE',
      'COUNTERSIGN_EPP_CERT_FILE',
      'COUNTERSIGN_EPP_KEY_FILE',
      // The child's own servers answer for its apex: delegation and DS are only seen at the parent.
      'COUNTERSIGN_PARENT_DNS',
    ] as const
  ).filter((name) => e[name] === undefined);
  if (missing.length > 0)
    throw new PreconditionError(
      `worker configuration: COUNTERSIGN_EPP_HOST is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not. Set all of them (the registrar's client id, a file with its EPP password, PEM files for the registry's CA, the client certificate and its key, and the parent zone's authoritative servers as host:port), or unset COUNTERSIGN_EPP_HOST.`,
    );
  return {
    registry: {
      host: e.COUNTERSIGN_EPP_HOST,
      port: e.COUNTERSIGN_EPP_PORT,
      clID: e.COUNTERSIGN_EPP_CLID ?? '',
      password: readSecretFile(
        'COUNTERSIGN_EPP_PASSWORD_FILE',
        e.COUNTERSIGN_EPP_PASSWORD_FILE ?? '',
        'the EPP password',
      ),
      caFile: e.COUNTERSIGN_EPP_CA_FILE ?? '',
      certFile: e.COUNTERSIGN_EPP_CERT_FILE ?? '',
      keyFile: e.COUNTERSIGN_EPP_KEY_FILE ?? '',
      parentServers: (e.COUNTERSIGN_PARENT_DNS ?? '').split(',').map(parseHostPort),
      ...(e.COUNTERSIGN_SECRETS_DIR === undefined ? {} : { secretsDir: e.COUNTERSIGN_SECRETS_DIR }),
    },
  };
}
