import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { workflowBundle } from '../workers/prebuilt-bundle';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { dataConverter } from '../src/payloads/data-converter';
import { runMain } from '../workers/preflight/run-main';
import { PreconditionError } from '../workers/preflight/precondition-error';
import { createApproverSet } from '../workers/stack/approver-set';
import { ensureInstalled, projectRoot } from '../workers/stack/install';
import { startLocalStack } from '../workers/stack/local-stack';
import { runScenarios, seededRandom } from './context';
import { renderReport, totalLosses } from './report';
import { pdnsOutage } from './scenarios/pdns-outage';
import { serverRestart } from './scenarios/server-restart';
import { crashAfterWrite } from './scenarios/crash-after-write';
import { secretScan } from './scenarios/secret-scan';
import { workerKills } from './scenarios/worker-kills';

/**
 * `npm run chaos`: starts a Temporal dev server and PowerDNS on free loopback ports, runs the chaos
 * scenarios against the real change workflow, prints Markdown tables and exits 1 if any loss
 * column is not 0. Counts come from flags, or CHAOS_* variables:
 *   npm run chaos -- --kills 200 --parked 500 --memory-parked 1000 [--rate 0.5] [--seed N]
 *                    [--outage-changes 60 --outage-seconds 20]   (0 changes: no PowerDNS outage)
 *                    [--crash-changes 10]   (per crash-after-write row; 0: none)
 */
const flags = {
  kills: { env: 'CHAOS_KILLS', default: 200 },
  parked: { env: 'CHAOS_PARKED', default: 500 },
  'memory-parked': { env: 'CHAOS_MEMORY_PARKED', default: 1000 },
  rate: { env: 'CHAOS_RATE', default: 0.5 },
  'max-in-flight': { env: 'CHAOS_MAX_IN_FLIGHT', default: 60 },
  'min-uptime-ms': { env: 'CHAOS_MIN_UPTIME_MS', default: 200 },
  'max-uptime-ms': { env: 'CHAOS_MAX_UPTIME_MS', default: 2000 },
  'outage-changes': { env: 'CHAOS_OUTAGE_CHANGES', default: 60 },
  'outage-seconds': { env: 'CHAOS_OUTAGE_SECONDS', default: 20 },
  'crash-changes': { env: 'CHAOS_CRASH_CHANGES', default: 10 },
  seed: { env: 'CHAOS_SEED', default: -1 },
} as const;
type Flag = keyof typeof flags;

function readFlags(): Record<Flag, number> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' }])) as Record<
      Flag,
      { type: 'string' }
    >,
  });
  const out = {} as Record<Flag, number>;
  for (const [name, spec] of Object.entries(flags) as [Flag, (typeof flags)[Flag]][]) {
    const text = values[name] ?? process.env[spec.env];
    const value = text === undefined ? spec.default : Number(text);
    const whole = name !== 'rate';
    if (!Number.isFinite(value) || (whole && !Number.isInteger(value)) || (value < 0 && name !== 'seed'))
      throw new PreconditionError(
        `--${name} (or ${spec.env}) must be a ${whole ? 'whole ' : ''}number of at least 0, got "${text}"`,
      );
    out[name] = value;
  }
  if (out.seed < 0) out.seed = Math.floor(Math.random() * 2 ** 31);
  if (out['max-uptime-ms'] < out['min-uptime-ms'])
    throw new PreconditionError('--max-uptime-ms must not be below --min-uptime-ms');
  return out;
}

async function main(): Promise<number> {
  const options = readFlags();
  const { temporalBin } = ensureInstalled();
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'chaos-'));
  const progress = (line: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  progress(
    `chaos: ${options.kills} worker kills, ${options.parked} parked across a server kill, ${options['memory-parked']} parked for memory, ${options['outage-changes']} changes through a ${options['outage-seconds']} s PowerDNS outage, ${options['crash-changes']} changes per crash-after-write row; seed ${options.seed}; data in ${path.relative(process.cwd(), dataDir)}`,
  );
  const stack = await startLocalStack({ temporalBin, dataDir, headless: true });
  let failed = true;
  try {
    // The build's bundle when it is current (what a deployed worker starts from), else one made now.
    const bundlePath = await workflowBundle(path.join(dataDir, 'workflow-bundle.js'));
    const connection = await Connection.connect({ address: stack.temporal.address });
    try {
      const rows = await runScenarios(
        {
          temporalBin,
          temporalAddress: stack.temporal.address,
          client: new Client({ connection, dataConverter }),
          pdns: { apiUrl: stack.pdns.apiUrl, apiKey: stack.pdns.apiKey },
          dns: stack.pdns.dns,
          bundlePath,
          approvers: createApproverSet(path.join(dataDir, 'approvers')),
          dataDir,
          runId: Date.now().toString(36),
          random: seededRandom(options.seed),
          progress,
        },
        [
          workerKills({
            kills: options.kills,
            ratePerSecond: options.rate,
            maxInFlight: options['max-in-flight'],
            minUptimeMs: options['min-uptime-ms'],
            maxUptimeMs: options['max-uptime-ms'],
            settleMs: 240_000,
          }),
          serverRestart({
            parked: options.parked,
            memoryParked: options['memory-parked'],
            parkTimeoutMs: 600_000,
            settleMs: 600_000,
          }),
          ...(options['outage-changes'] > 0
            ? [
                pdnsOutage({
                  changes: options['outage-changes'],
                  outageSeconds: options['outage-seconds'],
                  spreadMs: 3000,
                  // Far above the outage: a change that still cannot verify after it is a finding.
                  patienceSeconds: Math.max(120, options['outage-seconds'] * 6),
                  firstWriteTimeoutMs: 120_000,
                  settleMs: 300_000,
                }),
              ]
            : []),
          ...(options['crash-changes'] > 0
            ? [
                crashAfterWrite({
                  changesPerRow: options['crash-changes'],
                  gatherMs: 3000,
                  settleMs: 300_000,
                }),
              ]
            : []),
          secretScan(),
        ],
      );
      console.log(renderReport(rows));
      failed = totalLosses(rows) > 0;
      console.log(
        failed
          ? `\nchaos: FAILED: a loss column is not 0 (seed ${options.seed}); logs and data kept in ${path.relative(process.cwd(), dataDir)}`
          : `\nchaos: every loss column is 0 (seed ${options.seed})`,
      );
      return failed ? 1 : 0;
    } finally {
      await connection.close();
    }
  } finally {
    try {
      await stack.stop();
    } finally {
      if (!failed && process.env.CHAOS_KEEP_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

runMain('chaos', main);
