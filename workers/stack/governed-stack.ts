import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createDirectorySource } from '../../activities/approvals/directory-store';
import type { PolicySource } from '../../activities/policy/policy-store';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { openFolderLedger } from '../../activities/notify/delivery-ledger';
import { CountersignClient } from '../../src/client/countersign-client';
import { dataConverter } from '../../src/payloads/data-converter';
import { createChangeWorker } from '../create-worker';
import { createEvidenceWorker } from '../evidence-worker';
import { clientTracing, tracingConfigured } from '../tracing';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import type { SigningKey } from '../../src/evidence/signing';
import type { RegistryConfig, RegistryConnection } from '../../activities/epp/registry-connection';
import { connectRegistry } from '../../activities/epp/registry-connection';
import type { ApproverSet } from './approver-set';
import { createApproverSet } from './approver-set';
import type { LocalStack, LocalStackOptions } from './local-stack';
import { evidenceBucket, startLocalStack } from './local-stack';
import { s3Store } from '../../activities/evidence/s3-store';

export interface GovernedStackOptions extends LocalStackOptions {
  readonly taskQueue: string;
  readonly logger: Logger;
  readonly policy: PolicySource;
  readonly evidenceDir?: string;
  /**
   * Seal closed changes: an exporter with this key is created beside the worker, writing to
   * `store`, by default the stack's Object Lock bucket with objects kept `retentionDays` (1).
   */
  readonly evidence?: {
    readonly key: SigningKey;
    readonly store?: EvidenceStore;
    readonly retentionDays?: number;
  };
  /** A pre-built workflow bundle shared by the workers (and a verifier's replay). */
  readonly workflowBundlePath?: string;
}

/** The embedded stack with everything the change workflow needs around it, ready to submit to. */
export interface GovernedStack {
  readonly stack: LocalStack;
  readonly pdns: PowerDnsClient;
  /** Fresh sample approvers (keys and directory) in the data folder. */
  readonly approvers: ApproverSet;
  readonly client: Client;
  /** The worker's connection, for extra workers on other task queues (the benchmark's baseline). */
  readonly workerConnection: NativeConnection;
  readonly countersign: CountersignClient;
  /** Created, not started: the caller runs it (`run`, `runUntil`) and stops it before `close`. */
  readonly worker: Worker;
  readonly taskQueue: string;
  /** The evidence exporter, when `evidence` was given; created, not started, like `worker`. */
  readonly exporter: Worker | undefined;
  /** Where the exporter seals to, when `evidence` was given. */
  readonly evidenceStore: EvidenceStore | undefined;
  /** The registry adapter the worker uses (registrar `countersign` at the registry test double). */
  readonly registry: { readonly connection: RegistryConnection; readonly config: RegistryConfig } | undefined;
  /** Closes the connections and stops the servers, whatever fails first. */
  close(): Promise<void>;
}

/**
 * Starts Temporal and PowerDNS on loopback, generates sample approvers, and creates a change
 * worker and a client on `taskQueue`: the common ground of the demo, the benchmark and the
 * history recordings. On failure nothing is left running.
 */
export async function startGovernedStack(options: GovernedStackOptions): Promise<GovernedStack> {
  const stack = await startLocalStack(options);
  const opened: { close(): Promise<void> }[] = [];
  const close = async () => {
    try {
      for (const connection of opened.reverse()) await connection.close();
    } finally {
      await stack.stop();
    }
  };
  try {
    const approvers = createApproverSet(path.join(options.dataDir, 'approvers'));
    const pdns = new PowerDnsClient({ apiUrl: stack.pdns.apiUrl, apiKey: stack.pdns.apiKey });
    const workerConnection = await NativeConnection.connect({ address: stack.temporal.address });
    opened.push(workerConnection);
    const connection = await Connection.connect({ address: stack.temporal.address });
    opened.push(connection);
    // With an OTLP endpoint configured, the demo's submissions start each change's trace.
    const client = new Client({
      connection,
      dataConverter,
      interceptors: tracingConfigured() ? clientTracing().clientInterceptors : {},
    });
    const registry = registryOf(stack, options);
    if (registry !== undefined) opened.push(registry.connection);
    const bundle =
      options.workflowBundlePath === undefined ? {} : { workflowBundlePath: options.workflowBundlePath };
    const worker = await createChangeWorker({
      connection: workerConnection,
      taskQueue: options.taskQueue,
      ...bundle,
      evidenceLedger: options.evidence === undefined ? false : options.taskQueue,
      directory: createDirectorySource(approvers.directoryPath),
      deps: {
        powerdns: pdns,
        verifyServers: [stack.pdns.dns],
        ...(registry === undefined ? {} : { registry: registry.connection.port }),
        logger: options.logger,
        policy: options.policy,
        ...(options.evidenceDir === undefined ? {} : { evidenceDir: options.evidenceDir }),
        notificationLedger: await openFolderLedger(path.join(options.dataDir, 'notification-ledger')),
      },
    });
    const evidenceStore =
      options.evidence === undefined
        ? undefined
        : (options.evidence.store ?? (await stackBucket(stack, options.evidence.retentionDays ?? 1)));
    const exporter =
      options.evidence === undefined || evidenceStore === undefined
        ? undefined
        : await createEvidenceWorker({
            connection: workerConnection,
            taskQueue: options.taskQueue,
            key: options.evidence.key,
            store: evidenceStore,
            logger: options.logger,
            ...bundle,
          });
    return {
      stack,
      pdns,
      approvers,
      client,
      workerConnection,
      countersign: new CountersignClient(client, options.taskQueue),
      worker,
      taskQueue: options.taskQueue,
      exporter,
      evidenceStore,
      registry,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The change worker acts as registrar `countersign`; its transfer auth codes live in `<dataDir>/secrets`. */
function registryOf(
  stack: LocalStack,
  options: GovernedStackOptions,
): { connection: RegistryConnection; config: RegistryConfig } | undefined {
  const registry = stack.registry;
  const creds = registry?.registrars.find((r) => r.clID === 'countersign');
  if (registry === undefined || creds === undefined) return undefined;
  const config: RegistryConfig = {
    host: registry.host,
    port: registry.port,
    clID: creds.clID,
    password: creds.password,
    caFile: registry.caFile,
    certFile: creds.certFile,
    keyFile: creds.keyFile,
    parentServers: [stack.pdns.dns],
    secretsDir: path.join(options.dataDir, 'secrets'),
  };
  return { connection: connectRegistry(config, options.logger), config };
}

/** The stack's Object Lock bucket as an evidence store (the stack must have started its S3 server). */
async function stackBucket(stack: LocalStack, retentionDays: number): Promise<EvidenceStore> {
  if (stack.s3 === undefined)
    throw new Error("sealed evidence needs the stack's S3 server, which was not started");
  const store = s3Store({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    bucket: evidenceBucket,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    retentionDays,
  });
  await store.ensureBucket();
  return store;
}
