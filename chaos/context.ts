import type { Client } from '@temporalio/client';
import type { DnsServer } from '../activities/dns/query';
import type { ApproverSet } from '../workers/stack/approver-set';
import type { PdnsApi } from './pdns-zones';
import type { ChaosRow } from './report';

/** What every scenario gets: real servers on loopback, a workflow bundle, approvers, a place for files. */
export interface ChaosEnv {
  readonly temporalBin: string;
  /** A Temporal dev server the scenarios may use but never kill (in tests, the shared one). */
  readonly temporalAddress: string;
  readonly client: Client;
  readonly pdns: PdnsApi;
  readonly dns: DnsServer;
  readonly bundlePath: string;
  readonly approvers: ApproverSet;
  /** A folder of this run's own: logs, evidence bundles, extra servers' data. */
  readonly dataDir: string;
  /** Short and unique to the run: in task queues, zone names and workflow ids. */
  readonly runId: string;
  /** Random source for fault timing (seeded, so a run can be repeated). */
  readonly random: () => number;
  /** Progress for the person watching; never the tables. */
  readonly progress: (line: string) => void;
}

/** Where the run left things the secret scan must read. */
export interface Artifacts {
  readonly histories: { readonly client: Client; readonly taskQueue: string }[];
  readonly logFiles: string[];
  readonly evidenceDirs: string[];
}

export interface ChaosRun extends ChaosEnv {
  readonly artifacts: Artifacts;
  /** Runs at the end of the whole run, last registered first, whatever failed. */
  defer(cleanup: () => Promise<void>): void;
}

export interface Scenario {
  readonly name: string;
  run(ctx: ChaosRun): Promise<ChaosRow[]>;
}

/** A small seeded PRNG (mulberry32): fault timings a run can reproduce from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the scenarios one after another on `env` (a scenario that throws becomes a failed row, and
 * the rest still run), then every deferred cleanup.
 */
export async function runScenarios(env: ChaosEnv, scenarios: readonly Scenario[]): Promise<ChaosRow[]> {
  const cleanups: (() => Promise<void>)[] = [];
  const ctx: ChaosRun = {
    ...env,
    artifacts: { histories: [], logFiles: [], evidenceDirs: [] },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  const rows: ChaosRow[] = [];
  try {
    for (const scenario of scenarios) {
      const started = performance.now();
      env.progress(`chaos: ${scenario.name} ...`);
      try {
        rows.push(...(await scenario.run(ctx)));
      } catch (err) {
        env.progress(
          `chaos: ${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        rows.push(failedRow(scenario.name, performance.now() - started, err));
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => env.progress(`chaos: cleanup failed: ${String(err)}`));
    }
  }
  return rows;
}

/** A scenario that could not finish proves nothing: its row fails the run. */
function failedRow(scenario: string, wallMs: number, err: unknown): ChaosRow {
  return {
    scenario,
    faults: 'did not finish',
    changes: 0,
    lost: 1,
    duplicateWrites: 0,
    unapprovedExecutions: 0,
    brokenChains: 0,
    taskFailures: 0,
    notExecuted: 0,
    falseEvidence: 0,
    skippedRollbacks: 0,
    duplicateNotifications: 0,
    lostNotifications: 0,
    secretsFound: 0,
    wallMs,
    recoverP50Ms: null,
    recoverMaxMs: null,
    details: [],
    findings: [`the scenario failed: ${err instanceof Error ? err.message : String(err)}`],
  };
}
