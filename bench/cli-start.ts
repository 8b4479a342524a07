import { spawn } from 'node:child_process';
import path from 'node:path';
import { workflowIdFor } from '../src/client/countersign-client';
import type { GoalBoard, GoalId } from './goals';
import { percentile, table } from './stats';

/** One approval the benchmark gives through the real command: a tier-2 change waiting for it. */
export interface PendingApproval {
  readonly id: string;
  readonly planHash: string;
  readonly keyFile: string;
}

export interface CliStartContext {
  /** TEMPORAL_ADDRESS and COUNTERSIGN_TASK_QUEUE of the running stack. */
  readonly env: Readonly<Record<string, string>>;
  /** A change `status` shows: one waiting for an approval nobody gives during the benchmark. */
  readonly statusId: string;
  /** One per repetition: each `approve` is a real, counted approval. */
  readonly approvals: readonly PendingApproval[];
  readonly explainFile: string;
  /** Where the rows with a goal record their ratio. */
  readonly goals: GoalBoard;
  readonly log: (line: string) => void;
}

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'countersign.js');
/** Runs the command from dist/src, module by module, as it ran before it was bundled. */
const perFileMain =
  "require('./dist/src/cli/main.js').main(['node', 'countersign', ...process.argv.slice(1)])";

/**
 * The environment of every timed process, baseline included: without NODE_EXTRA_CA_CERTS, which
 * makes Node read and parse a certificate bundle at every start (~50 ms on a machine that sets
 * it; the same on both sides of a ratio, so it flatters the ratios), and without NODE_OPTIONS,
 * whose V8 flags would make V8 refuse the command's code cache.
 */
function timedEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

/** What a tool built on the official Temporal client pays to read one workflow's query, no more. */
const bareClientQuery = `const { Client, Connection } = require('@temporalio/client');
(async () => {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  await new Client({ connection }).workflow.getHandle(process.argv[1]).query('state');
  await connection.close();
})();`;

/** Wall time of one process from spawn to exit; a failing command spoils the table, so it throws. */
function timedRun(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ok: number[] = [0],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: timedEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (ok.includes(code ?? -1)) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** One timed process and the baseline's run in the same pass just before it. */
interface PairedSample {
  readonly ms: number;
  readonly baselineMs: number;
}

/** Passes over the rows in each round; `approve` runs in the first only (each is a real approval). */
const passesPerRound = Number(process.env.BENCH_CLI_PASSES ?? 3);

/**
 * How long a person waits for the command: cold start to exit, against `node -e 0`. Every pass
 * runs the baseline and then each row, so each run has a baseline run from moments before it:
 * the ratio is the median of those pairs, which a machine whose speed drifts during the run
 * (this one's does, by a third within minutes) moves much less than a ratio of two medians.
 */
export async function benchCliStart(ctx: CliStartContext): Promise<string> {
  const rows: {
    name: string;
    goal: GoalId | null;
    once?: true;
    run: (rep: number) => Promise<number>;
  }[] = [
    { name: 'node -e 0 (baseline)', goal: null, run: () => timedRun(['-e', '0'], ctx.env) },
    { name: 'countersign --help', goal: 'cli-help', run: () => timedRun([bin, '--help'], ctx.env) },
    {
      name: 'countersign policy explain <file>',
      goal: 'cli-explain',
      run: () => timedRun([bin, 'policy', 'explain', ctx.explainFile], ctx.env),
    },
    {
      name: 'countersign status <id>',
      goal: 'cli-status',
      run: () => timedRun([bin, 'status', ctx.statusId], ctx.env),
    },
    {
      name: 'countersign approve <id> (counted)',
      goal: 'cli-approve',
      once: true,
      run: (rep) => {
        const approval = ctx.approvals[rep];
        if (approval === undefined) throw new Error(`no pending approval for repetition ${rep}`);
        return timedRun(
          [
            bin,
            'approve',
            approval.id,
            '--key',
            approval.keyFile,
            '--reason',
            'bench',
            '--plan-hash',
            approval.planHash,
          ],
          ctx.env,
        );
      },
    },
    // The official Temporal client alone, in a script that only reads the same change's query.
    {
      name: 'Temporal client alone: connect, one query (a script)',
      goal: null,
      run: () => timedRun(['-e', bareClientQuery, workflowIdFor(ctx.statusId)], ctx.env),
    },
    // The same commands from the per-file build, without the bundle and its code cache.
    {
      name: 'policy explain, per-file build (no bundle)',
      goal: null,
      run: () => timedRun(['-e', perFileMain, '--', 'policy', 'explain', ctx.explainFile], ctx.env),
    },
    {
      name: 'status, per-file build (no bundle)',
      goal: null,
      run: () => timedRun(['-e', perFileMain, '--', 'status', ctx.statusId], ctx.env),
    },
    {
      name: 'countersign --help from source (tsx, no current build)',
      goal: null,
      run: () =>
        timedRun(
          ['-e', "require('tsx/cjs'); require('./src/cli/main.ts').main(['node', 'countersign', '--help'])"],
          ctx.env,
        ),
    },
  ];
  const samples = rows.map(() => [] as PairedSample[]);
  const repetitions = ctx.approvals.length;
  for (let rep = 0; rep < repetitions; rep += 1) {
    for (let pass = 0; pass < passesPerRound; pass += 1) {
      let baselineMs = 0;
      for (const [i, row] of rows.entries()) {
        if (row.once === true && pass > 0) continue;
        const ms = await row.run(rep);
        if (i === 0) baselineMs = ms;
        samples[i]?.push({ ms, baselineMs });
      }
    }
    ctx.log(`cli start: round ${rep + 1}/${repetitions}`);
  }
  return table(
    ['command', 'runs', 'p50 ms', 'max ms', 'ratio to node -e 0 (p50 of pairs)', 'goal'],
    rows.map((row, i) => {
      const runs = samples[i] ?? [];
      const ratio = percentile(
        runs.map((r) => r.ms / r.baselineMs),
        50,
      );
      return [
        row.name,
        runs.length,
        percentile(
          runs.map((r) => r.ms),
          50,
        ).toFixed(0),
        Math.max(...runs.map((r) => r.ms)).toFixed(0),
        ratio.toFixed(2),
        row.goal === null ? '' : ctx.goals.check(row.goal, ratio),
      ];
    }),
  );
}
