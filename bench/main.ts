import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeWorkflowBundle } from '../workers/workflow-bundle';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { CountersignClient } from '../src/client/countersign-client';
import pino from 'pino';
import { exampleRecommendation } from '../src/examples';
import { approveAs } from '../workers/stack/approver-set';
import { startGovernedStack } from '../workers/stack/governed-stack';
import { staticPolicySource } from '../activities/policy/policy-store';
import { requireDefaultPolicy } from '../activities/policy/policy-files';
import { withGovernor, withTimings } from '../src/policy/overrides';
import { benchGovernor, stormZone, ungovernedWorker } from './governor-bench';
import { createDirectorySource } from '../activities/approvals/directory-store';
import { seedZone } from '../workers/demo/seed';
import { installRuntime } from '../workers/runtime';
import { ensureInstalled, projectRoot } from '../workers/stack/install';
import { percentile, pool, table } from './stats';
import { measureEvaluation, realisticPolicy } from './policy-eval';
import { runMain } from '../workers/preflight/run-main';
import { benchEvidence } from './evidence-bench';
import { benchCliStart } from './cli-start';
import { stepBreakdownTable } from './step-breakdown';
import { benchApprovalToWrite } from './approval-latency';
import { benchBurst } from './burst';
import { benchParkedMemory } from './parked-memory';
import { benchWorkflowCreation } from './workflow-creation';
import { benchPeers } from './peers/peer-bench';
import type { PeerSizeResult } from './peers/peer-bench';
import type { PendingApproval } from './cli-start';
import type { GoalId } from './goals';
import { GoalBoard } from './goals';

/**
 * `npm run bench`: on one fresh dev server, PowerDNS and S3 server, measures (a) the governed auto
 * path against a bare workflow running the same number of no-op activities, (b) one change into a
 * 10,000-record zone, (c) history events per route, (d) policy evaluation, (e) the governors,
 * (f) sealing and verifying evidence, (h) one automatic change step by step, (i) countersign
 * against octoDNS (and DNSControl when on PATH) and a bare API PATCH at 100 to 100,000 records,
 * with a plot, (j) approval to write, (k) a burst across 100 zones, (g) the command's cold start,
 * (l) worker memory with changes parked in approval, (m) what creating one workflow costs a worker.
 * Ratios compare numbers taken in the same run, because these machines are shared and noisy.
 */
const N = Number(process.env.BENCH_N ?? 60);
// `npm run bench -- b i` runs only those sections ((c) and (f) need (a)); none named: all of them.
const only = new Set(process.argv.slice(2).map((a) => a.toLowerCase()));
/** The governed path's name in (i)'s table and plot. */
const governedLabel = 'countersign (governed)';
const wanted = (section: string) => only.size === 0 || only.has(section);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const AUTO_PATH_ACTIVITIES = 8; // validate, classify, stage, check, recheck, execute, verify, exportEvidence

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

async function main(): Promise<void> {
  // Retried activity attempts are expected under load; only errors would spoil the tables.
  const logger = pino({ level: 'error' });
  installRuntime(logger);
  const { temporalBin } = ensureInstalled();
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'bench-'));
  // Budgets high enough for the measured runs; the storm zone gets the budgets the storm is about.
  const unlimited = { limit: 1_000_000, window: '1h' };
  const benchPolicy = withGovernor(
    withTimings(await requireDefaultPolicy(), { approvalExpirySeconds: 600, coolingOffSeconds: 1 }),
    {
      zone: { budgets: { proposals: unlimited, automaticExecutions: unlimited, recordsTouched: unlimited } },
      tenant: { budgets: { proposals: unlimited, automaticExecutions: unlimited } },
      global: { budgets: { proposals: unlimited, automaticExecutions: unlimited } },
      zones: {
        [stormZone]: {
          budgets: {
            proposals: { limit: 50, window: '5m' },
            automaticExecutions: { limit: 5, window: '1h' },
          },
        },
      },
    },
    'bench-budgets',
  );
  const governed = await startGovernedStack({
    temporalBin,
    dataDir,
    headless: true,
    taskQueue: 'bench',
    logger,
    policy: staticPolicySource(benchPolicy),
  });
  try {
    const { pdns, approvers, client, countersign: cs, worker: changeWorker } = governed;
    const evidenceS3 = governed.stack.s3;
    const temporalAddress = governed.stack.temporal.address;
    const pdnsServer = governed.stack.pdns;
    const bareWorker = await Worker.create({
      connection: governed.workerConnection,
      taskQueue: 'bench-bare',
      workflowsPath: require.resolve('./workflows'),
      activities: { noop: async () => {} },
    });
    const run = Date.now().toString(36);
    // The workflow bundle as workers load it, written once for the sections that start their own.
    let bundled: Promise<string> | undefined;
    const projectBundle = () => (bundled ??= writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js')));
    let autoP50 = Number.NaN;
    const goals = new GoalBoard();
    let ranA = false;
    await seedZone(pdns, 'dev.bench.test.', 50);
    const seeded10k = await timed(() => seedZone(pdns, 'big.bench.test.', 10_000));
    await seedZone(pdns, 'prod.bench.test.', 50);
    await seedZone(pdns, stormZone, 50);
    const governorContext = {
      client,
      connection: governed.workerConnection,
      countersign: cs,
      baselineCountersign: new CountersignClient(client, 'bench-ungoverned'),
      deps: {
        powerdns: pdns,
        verifyServers: [governed.stack.pdns.dns],
        logger,
        policy: staticPolicySource(benchPolicy),
      },
      directory: createDirectorySource(approvers.directoryPath),
      policy: benchPolicy,
      taskQueue: 'bench',
      logger,
      run,
      n: N,
      concurrency: CONCURRENCY,
    };
    const baselineWorker = await ungovernedWorker(governorContext, 'bench-ungoverned');

    await changeWorker.runUntil(async () => {
      await baselineWorker.runUntil(() =>
        bareWorker.runUntil(async () => {
          // Warm-up: bundles loaded, connections open, caches filled.
          await client.workflow.execute('bareWorkflow', {
            taskQueue: 'bench-bare',
            workflowId: `bench-${run}-warm-bare`,
            args: [1],
          });
          await (
            await cs.submit(
              exampleRecommendation({
                id: `bench-${run}-warm`,
                zone: 'dev.bench.test.',
                environment: 'development',
                change: {
                  kind: 'dns.upsert_rrset',
                  name: 'warm.dev.bench.test.',
                  type: 'A',
                  ttl: 300,
                  records: ['192.0.2.1'],
                },
              }),
            )
          ).handle.result();

          if (wanted('a')) {
            ranA = true;
            // (a) governed auto path vs bare workflow.
            const bareRound = (label: string) =>
              timed(() =>
                pool(
                  N,
                  CONCURRENCY,
                  async (i) =>
                    (
                      await timed(() =>
                        client.workflow.execute('bareWorkflow', {
                          taskQueue: 'bench-bare',
                          workflowId: `bench-${run}-${label}-${i}`,
                          args: [AUTO_PATH_ACTIVITIES],
                        }),
                      )
                    ).ms,
                ),
              );
            const governedRound = (label: string, host: string) =>
              timed(() =>
                pool(
                  N,
                  CONCURRENCY,
                  async (i) =>
                    (
                      await timed(async () => {
                        const rec = exampleRecommendation({
                          id: `bench-${run}-${label}-${i}`,
                          zone: 'dev.bench.test.',
                          environment: 'development',
                          change: {
                            kind: 'dns.upsert_rrset',
                            name: `${host}${i}.dev.bench.test.`,
                            type: 'A',
                            ttl: 300,
                            records: [`192.0.2.${(i % 250) + 1}`],
                          },
                        });
                        const result = await (await cs.submit(rec)).handle.result();
                        if (result.view.state !== 'executed')
                          throw new Error(`auto path ended ${result.view.state}`);
                      })
                    ).ms,
                ),
              );
            // An untimed round of each first: otherwise the baseline, measured first, pays for the
            // stack's first minute (one run measured it at 2.7 s p50 cold against ~0.9 s warm).
            // Bare last, so nothing the governed round left running (governor tasks, sealing) slows
            // the baseline's timed round.
            await governedRound('auto-warm', 'w');
            await bareRound('bare-warm');
            const bare = await bareRound('bare');
            const governed = await governedRound('auto', 'h');
            const throughput = bare.ms / governed.ms;
            const p50Ratio = percentile(governed.value, 50) / percentile(bare.value, 50);
            const rows = [
              [
                'bare workflow, 8 no-op activities',
                N,
                (N / (bare.ms / 1000)).toFixed(1),
                percentile(bare.value, 50).toFixed(0),
                percentile(bare.value, 95).toFixed(0),
                '1.00',
                '1.00',
                '',
              ],
              [
                'governed auto path (PowerDNS + DNS verify)',
                N,
                (N / (governed.ms / 1000)).toFixed(1),
                percentile(governed.value, 50).toFixed(0),
                percentile(governed.value, 95).toFixed(0),
                throughput.toFixed(2),
                p50Ratio.toFixed(2),
                `${goals.check('load-throughput', throughput)}, ${goals.check('load-p50', p50Ratio)}`,
              ],
            ];
            console.log(`\n(a) auto path vs baseline, ${N} workflows, ${CONCURRENCY} in flight\n`);
            autoP50 = percentile(governed.value, 50);
            console.log(
              table(
                [
                  'workload',
                  'n',
                  'workflows/s',
                  'p50 ms',
                  'p95 ms',
                  'throughput ratio',
                  'p50 ratio',
                  'goals',
                ],
                rows,
              ),
            );
          }
          if (wanted('b')) {
            // (b) one change into a 10,000-record zone, end to end.
            const big = await timed(async () => {
              const rec = exampleRecommendation({
                id: `bench-${run}-big`,
                zone: 'big.bench.test.',
                environment: 'development',
                change: {
                  kind: 'dns.upsert_rrset',
                  name: 'host5000.big.bench.test.',
                  type: 'A',
                  ttl: 300,
                  records: ['192.0.2.200'],
                },
              });
              return (await cs.submit(rec)).handle.result();
            });
            const small = await timed(async () => {
              const rec = exampleRecommendation({
                id: `bench-${run}-small`,
                zone: 'dev.bench.test.',
                environment: 'development',
                change: {
                  kind: 'dns.upsert_rrset',
                  name: 'host0025.dev.bench.test.',
                  type: 'A',
                  ttl: 300,
                  records: ['192.0.2.201'],
                },
              });
              return (await cs.submit(rec)).handle.result();
            });
            console.log(
              `\n(b) one change, end to end (zone seeded with 10,000 hosts in ${(seeded10k.ms / 1000).toFixed(1)} s)\n`,
            );
            console.log(
              table(
                ['zone', 'records', 'state', 'end-to-end ms', 'ratio'],
                [
                  [
                    'dev.bench.test. (baseline)',
                    // Seeded with 50 hosts, plus whatever the sections before this one wrote.
                    await pdns.countRecords('dev.bench.test.'),
                    small.value.view.state,
                    small.ms.toFixed(0),
                    '1.00',
                  ],
                  [
                    'big.bench.test.',
                    `~${seeded10k.value}`,
                    big.value.view.state,
                    big.ms.toFixed(0),
                    (big.ms / small.ms).toFixed(2),
                  ],
                ],
              ),
            );
          }
          if (wanted('c') && ranA) {
            // (c) history events per route.
            const routes: [string, () => Promise<string>][] = [
              ['auto (tier 0)', async () => `bench-${run}-auto-0`],
              [
                'blocked',
                async () => {
                  const rec = exampleRecommendation({
                    id: `bench-${run}-blocked`,
                    zone: 'prod.bench.test.',
                    environment: 'production',
                    change: { kind: 'dns.delete_rrset', name: 'prod.bench.test.', type: 'NS' },
                  });
                  await (await cs.submit(rec)).handle.result();
                  return rec.id;
                },
              ],
              [
                'one approval (tier 2)',
                async () => {
                  const rec = exampleRecommendation({
                    id: `bench-${run}-tier2`,
                    zone: 'prod.bench.test.',
                    environment: 'production',
                    change: {
                      kind: 'dns.upsert_rrset',
                      name: 'api.prod.bench.test.',
                      type: 'A',
                      ttl: 300,
                      records: ['192.0.2.202'],
                    },
                  });
                  const { handle } = await cs.submit(rec);
                  await approveAs(cs, approvers, rec.id, ['alice@example.com'], 'bench');
                  await handle.result();
                  return rec.id;
                },
              ],
              [
                'dual control + cooling-off (tier 3)',
                async () => {
                  const rec = exampleRecommendation({
                    id: `bench-${run}-tier3`,
                    zone: 'prod.bench.test.',
                    environment: 'production',
                    change: {
                      kind: 'dns.upsert_rrset',
                      name: 'prod.bench.test.',
                      type: 'MX',
                      ttl: 3600,
                      records: ['10 mx1.prod.bench.test.'],
                    },
                  });
                  const { handle } = await cs.submit(rec);
                  await approveAs(cs, approvers, rec.id, ['alice@example.com', 'carol@example.com'], 'bench');
                  await handle.result();
                  return rec.id;
                },
              ],
            ];
            const bareEvents =
              (await client.workflow.getHandle(`bench-${run}-bare-0`).fetchHistory()).events?.length ?? 0;
            const eventRows: (string | number)[][] = [
              ['bare workflow, 8 no-op activities (baseline)', bareEvents, '1.00'],
            ];
            for (const [route, make] of routes) {
              const id = await make();
              const events = (await cs.handle(id).fetchHistory()).events?.length ?? 0;
              eventRows.push([route, events, (events / bareEvents).toFixed(2)]);
            }
            console.log('\n(c) history events per workflow (Temporal warns at 10,240, fails at 51,200)\n');
            console.log(table(['route', 'events', 'ratio to baseline'], eventRows));
          }
          if (wanted('d')) {
            // (d) policy evaluation: its own rate, and its share of the auto path (classify, check, recheck).
            const shipped = await requireDefaultPolicy();
            const empty = { ...shipped, policy: { ...shipped.policy, rules: [] } };
            const measures = [
              measureEvaluation(empty, 20_000),
              measureEvaluation(shipped, 20_000),
              measureEvaluation(realisticPolicy(shipped, 16), 20_000),
            ];
            const baseline = measures[0]?.microsPerEval ?? 1;
            console.log('\n(d) policy evaluation (facts + rules + guards), per evaluation\n');
            console.log(
              table(
                [
                  'policy',
                  'rules',
                  'evaluations/s',
                  'µs each',
                  'ratio to 0 rules',
                  'share of auto-path p50 (3 evaluations)',
                ],
                measures.map((m, i) => [
                  ['no rules (baseline)', 'shipped default', 'realistic (default + 16 tenant rules)'][i] ??
                    '',
                  m.rules,
                  m.perSecond.toFixed(0),
                  m.microsPerEval.toFixed(1),
                  (m.microsPerEval / baseline).toFixed(2),
                  Number.isNaN(autoP50)
                    ? 'n/a (needs a)'
                    : `${(((3 * m.microsPerEval) / 1000 / autoP50) * 100).toFixed(4)}%`,
                ]),
              ),
            );
          }
          if (wanted('e')) {
            await benchGovernor(governorContext);
          }
          if (wanted('f') && ranA) {
            console.log('\n(f) sealed evidence, per closed change (the auto-path changes above)\n');
            console.log(
              await benchEvidence({
                client,
                workflowIds: Array.from(
                  { length: Math.min(N, 40) },
                  (_, i) => `change-bench-${run}-auto-${i}`,
                ),
                dataDir,
                s3: evidenceS3,
                logger,
              }),
            );
          }
          if (wanted('h')) {
            // (h) where one automatic change's time goes, from the histories of changes made one at a time.
            const sequential: string[] = [];
            for (let i = 0; i < 10; i += 1) {
              const rec = exampleRecommendation({
                id: `bench-${run}-seq-${i}`,
                zone: 'dev.bench.test.',
                environment: 'development',
                change: {
                  kind: 'dns.upsert_rrset',
                  name: `seq${i}.dev.bench.test.`,
                  type: 'A',
                  ttl: 300,
                  records: ['192.0.2.204'],
                },
              });
              await (await cs.submit(rec)).handle.result();
              sequential.push(`change-${rec.id}`);
            }
            console.log('\n(h) one automatic change, step by step (medians of 10 made one at a time)\n');
            console.log(await stepBreakdownTable(client, sequential));
          }
          if (wanted('i')) {
            // (i) the peers: one record changed, invoking the tool until PowerDNS answers the new value.
            const peerSizes = (process.env.BENCH_PEER_SIZES ?? '100,1000,10000,100000')
              .split(',')
              .map(Number);
            let peerChange = 0;
            const peers = await benchPeers({
              pdns,
              apiUrl: pdnsServer.apiUrl,
              apiKey: pdnsServer.apiKey,
              dns: pdnsServer.dns,
              dataDir: path.join(dataDir, 'peers'),
              sizes: peerSizes,
              // Five: at 100 records the runs differ by more than the goal's margin (0.14–0.23 s).
              repetitions: Number(process.env.BENCH_PEER_REPS ?? 5),
              governedLabel,
              floor: {
                label: 'bare API PATCH',
                apply: async (zone, name, value) => {
                  await pdns.writeRrset(zone, name, 'A', { name, type: 'A', ttl: 3600, records: [value] });
                },
              },
              governed: async (zone, name, value) => {
                peerChange += 1;
                const rec = exampleRecommendation({
                  id: `bench-${run}-peer-${peerChange}`,
                  zone,
                  environment: 'development',
                  change: { kind: 'dns.upsert_rrset', name, type: 'A', ttl: 3600, records: [value] },
                });
                const result = await (await cs.submit(rec)).handle.result();
                if (result.view.state !== 'executed')
                  throw new Error(`the governed change into ${zone} ended ${result.view.state}`);
              },
              plotPath: path.join(projectRoot, 'docs', 'bench', 'peers.png'),
              log: (line) => process.stderr.write(`${line}\n`),
            });
            const peerGoals = recordPeerGoals(goals, peers.sizes, governedLabel);
            console.log('\n(i) one record changed, from invoking the tool to DNS answering it (medians)\n');
            console.log(peers.table);
            console.log(
              `${peerGoals}${peers.plotPath === undefined ? '' : `; plot: ${path.relative(projectRoot, peers.plotPath)}`}`,
            );
          }
          if (wanted('j')) {
            // (j) from an approval to the write starting.
            console.log('\n(j) approval to write started (tier 2, one approver; medians)\n');
            console.log(
              await benchApprovalToWrite({
                client,
                countersign: cs,
                approvers,
                bareTaskQueue: 'bench-bare',
                zone: 'prod.bench.test.',
                run,
                rounds: Number(process.env.BENCH_APPROVAL_ROUNDS ?? 10),
                goals,
                log: (line) => process.stderr.write(`${line}\n`),
              }),
            );
          }
          if (wanted('k')) {
            // (k) a burst across many zones, until every change is executed.
            const burst = Number(process.env.BENCH_BURST ?? 1000);
            console.log(`\n(k) ${burst} automatic changes across 100 zones, ${CONCURRENCY * 5} in flight\n`);
            console.log(
              await benchBurst({
                client,
                countersign: cs,
                pdns,
                bareTaskQueue: 'bench-bare',
                run,
                changes: burst,
                zones: 100,
                concurrency: CONCURRENCY * 5,
                bareActivities: AUTO_PATH_ACTIVITIES,
                goals,
                log: (line) => process.stderr.write(`${line}\n`),
              }),
            );
          }
          if (wanted('l')) {
            // (l) a worker process's memory with changes parked in approval.
            const bundlePath = await projectBundle();
            const parked = Number(process.env.BENCH_PARKED ?? 1000);
            console.log(`\n(l) change worker process, ${parked} changes parked in approval\n`);
            console.log(
              await benchParkedMemory({
                client,
                temporalAddress,
                pdns: { apiUrl: pdnsServer.apiUrl, apiKey: pdnsServer.apiKey },
                dns: pdnsServer.dns,
                approversPath: approvers.directoryPath,
                bundlePath,
                dataDir,
                run,
                parked,
                cacheSizes: (process.env.BENCH_PARKED_CACHES ?? '250,50').split(',').map(Number),
                goals,
                log: (line) => process.stderr.write(`${line}\n`),
              }),
            );
          }
          if (wanted('m')) {
            // (m) what creating one workflow costs a worker (no server needed; the stack is up anyway).
            const bundlePath = await projectBundle();
            console.log('\n(m) creating one workflow in a worker: time and heap each kept workflow holds\n');
            console.log(
              await benchWorkflowCreation({
                dataDir,
                bundlePath,
                count: Number(process.env.BENCH_CREATIONS ?? 200),
                rounds: 3,
                log: (line) => process.stderr.write(`${line}\n`),
              }),
            );
          }
          if (wanted('g')) {
            // (g) the command's cold start, with real approvals against the running stack.
            const cliRounds = Number(process.env.BENCH_CLI_ROUNDS ?? 10);
            const approvals: PendingApproval[] = [];
            // One more than the approvals: the last stays waiting, for `status` to read.
            for (let i = 0; i <= cliRounds; i += 1) {
              const rec = exampleRecommendation({
                id: `bench-${run}-cli-${i}`,
                zone: 'prod.bench.test.',
                environment: 'production',
                change: {
                  kind: 'dns.upsert_rrset',
                  name: `cli${i}.prod.bench.test.`,
                  type: 'A',
                  ttl: 300,
                  records: ['192.0.2.203'],
                },
              });
              await cs.submit(rec);
              const view = await cs.waitForState(rec.id, ['awaiting_approval']);
              approvals.push({
                id: rec.id,
                planHash: view.approval?.planHash ?? '',
                keyFile: approvers.keyPath('alice@example.com'),
              });
            }
            console.log(
              '\n(g) command start to exit (cold process each time; status and approve talk to the stack)\n',
            );
            console.log(
              await benchCliStart({
                env: { TEMPORAL_ADDRESS: temporalAddress, COUNTERSIGN_TASK_QUEUE: 'bench' },
                statusId: approvals[cliRounds]?.id ?? '',
                approvals: approvals.slice(0, cliRounds),
                explainFile: path.join(projectRoot, 'examples', 'production-api-a.json'),
                goals,
                log: (line) => process.stderr.write(`${line}\n`),
              }),
            );
          }
          if (goals.size > 0) {
            console.log(
              '\nthe goals, against what this run measured (the README gives the cause of each miss)\n',
            );
            console.log(goals.table());
          }
        }),
      );
    });
  } finally {
    try {
      await governed.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * (i)'s goals: against octoDNS at 100 and 10,000 records, and the governed path's growth across
 * sizes; returns them as one line for the section (the sizes it did not run are left out).
 */
function recordPeerGoals(board: GoalBoard, sizes: readonly PeerSizeResult[], governed: string): string {
  const ran = (records: number) => sizes.some((s) => s.targetRecords === records);
  const median = (records: number, tool: string) =>
    sizes.find((s) => s.targetRecords === records)?.medianMs[tool] ?? Number.NaN;
  const cells: string[] = [];
  const check = (id: GoalId, label: string, value: number) =>
    cells.push(`${label} ${board.check(id, value)}`);
  if (ran(100))
    check('peers-100', 'at 100 records vs octoDNS', median(100, governed) / median(100, 'octoDNS'));
  if (ran(10_000)) check('peers-10000', 'at 10,000', median(10_000, governed) / median(10_000, 'octoDNS'));
  if (ran(100) && ran(100_000))
    check('peers-growth', 'growth from 100 to 100,000', median(100_000, governed) / median(100, governed));
  return `goals: ${cells.length === 0 ? 'none at these sizes' : cells.join(', ')}`;
}

runMain('bench', main);
