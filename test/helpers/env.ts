import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { ChangeActivityDeps } from '../../activities/change-activities';
import type { DnsServer } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { CountersignClient } from '../../src/client/countersign-client';
import { dataConverter } from '../../src/payloads/data-converter';
import { createChangeWorker } from '../../workers/create-worker';
import { parseHostPort } from '../../workers/config';
import { installRuntime } from '../../workers/runtime';
import path from 'node:path';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import type { SigningKey } from '../../src/evidence/signing';
import { createEvidenceWorker } from '../../workers/evidence-worker';
import type { ApproverSet } from '../../workers/stack/approver-set';
import { createApproverSet } from '../../workers/stack/approver-set';
import type { DirectorySource } from '../../activities/approvals/directory-store';
import { createDirectorySource } from '../../activities/approvals/directory-store';
import type { ApproverKeyFile } from '../../src/client/approver-keys';
import { staticPolicySource } from '../../activities/policy/policy-store';
import { requireDefaultPolicy } from '../../activities/policy/policy-files';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { withTimings } from '../../src/policy/overrides';
import type { Tracing } from '../../workers/tracing';

/** The servers `npm test` started, handed over in the environment. */
export interface TestEnv {
  readonly temporalAddress: string;
  readonly pdns: { apiUrl: string; apiKey: string };
  readonly dns: DnsServer;
  readonly workflowBundle: string;
  readonly dataDir: string;
  readonly temporalBin: string;
}

export function testEnv(): TestEnv {
  const need = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === '')
      throw new Error(`${name} is not set: run the tests with 'npm test', which starts the servers`);
    return value;
  };
  return {
    temporalAddress: need('COUNTERSIGN_TEST_TEMPORAL_ADDRESS'),
    pdns: { apiUrl: need('COUNTERSIGN_TEST_PDNS_API_URL'), apiKey: need('COUNTERSIGN_TEST_PDNS_API_KEY') },
    dns: parseHostPort(need('COUNTERSIGN_TEST_DNS')),
    workflowBundle: need('COUNTERSIGN_TEST_WORKFLOW_BUNDLE'),
    dataDir: need('COUNTERSIGN_TEST_DATA_DIR'),
    temporalBin: need('COUNTERSIGN_TEMPORAL_BIN'),
  };
}

/** A silent logger for workers under test. */
export const quietLogger = pino({ level: 'silent' });

/** A name unique to this test, safe as a DNS label and a task queue name. */
export function slug(t: TestContext): string {
  const base = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${base}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface Harness {
  readonly env: TestEnv;
  /** Fresh approver keys and the directory that registers them, for this test process. */
  readonly approvers: ApproverSet;
  /** The key file of one of the sample people (throws for anyone else). */
  key(principal: string): ApproverKeyFile;
  readonly pdns: PowerDnsClient;
  readonly client: Client;
  readonly countersign: (taskQueue: string) => CountersignClient;
  readonly workerConnection: NativeConnection;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  const env = testEnv();
  // A test that scrapes metrics sets this before its first harness: the runtime is once per process.
  const metricsAddress = process.env.COUNTERSIGN_TEST_METRICS_ADDRESS;
  installRuntime(pino({ level: 'warn' }), metricsAddress === undefined ? {} : { metricsAddress });
  const connection = await Connection.connect({ address: env.temporalAddress });
  const workerConnection = await NativeConnection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, dataConverter });
  const approvers = createApproverSet(path.join(env.dataDir, `approvers-${process.pid}`));
  return {
    env,
    approvers,
    key(principal) {
      const key = approvers.keys[principal];
      if (key === undefined) throw new Error(`no sample key for ${principal}`);
      return key;
    },
    pdns: new PowerDnsClient(env.pdns),
    client,
    countersign: (taskQueue) => new CountersignClient(client, taskQueue),
    workerConnection,
    async close() {
      await connection.close();
      await workerConnection.close();
    },
  };
}

/** Runs `fn` with a fresh worker on a fresh task queue; the worker is shut down afterwards. */
export type TestDeps = Partial<ChangeActivityDeps> & {
  /** The approver directory; default: the harness's sample people. */
  directory?: DirectorySource;
  /** Shortened delays on the shipped default policy (ignored when `policy` is given). */
  timings?: {
    approvalExpirySeconds?: number;
    coolingOffSeconds?: number;
    verificationPatienceSeconds?: number;
  };
  /** History events after which governors continue-as-new. */
  governorHistoryLimit?: number;
  /** The incident tool's webhook secret the worker checks bodies against. */
  incidentWebhookSecret?: string;
  /** Seal closed changes: an exporter with this key and store runs beside the worker. */
  evidence?: { key: SigningKey; store: EvidenceStore };
  /** Spans and their export for both workers; default: from the environment (nothing exported). */
  tracing?: Tracing;
};

/** The shipped default policy, parsed once per test process. */
export const defaultPolicy: Promise<LoadedPolicy> = requireDefaultPolicy();

export async function withWorker<T>(
  h: Harness,
  taskQueue: string,
  deps: TestDeps,
  fn: (worker: Worker) => Promise<T>,
): Promise<T> {
  const { timings, directory, governorHistoryLimit, incidentWebhookSecret, evidence, tracing, ...rest } =
    deps;
  const policy =
    rest.policy ??
    staticPolicySource(
      withTimings(await defaultPolicy, timings ?? { approvalExpirySeconds: 60, coolingOffSeconds: 2 }),
    );
  const worker = await createChangeWorker({
    connection: h.workerConnection,
    taskQueue,
    workflowBundlePath: h.env.workflowBundle,
    deps: { powerdns: h.pdns, verifyServers: [h.env.dns], logger: quietLogger, ...rest, policy },
    directory: directory ?? createDirectorySource(h.approvers.directoryPath),
    ...(governorHistoryLimit === undefined ? {} : { governorHistoryLimit }),
    ...(incidentWebhookSecret === undefined ? {} : { incidentWebhookSecret }),
    evidenceLedger: evidence === undefined ? false : taskQueue,
    ...(tracing === undefined ? {} : { tracing }),
  });
  if (evidence === undefined) return worker.runUntil(fn(worker));
  const exporter = await createEvidenceWorker({
    connection: h.workerConnection,
    taskQueue,
    workflowBundlePath: h.env.workflowBundle,
    key: evidence.key,
    store: evidence.store,
    logger: quietLogger,
    ...(tracing === undefined ? {} : { tracing }),
  });
  return exporter.runUntil(worker.runUntil(fn(worker)));
}
