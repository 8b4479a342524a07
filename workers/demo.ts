import { workflowBundle } from './prebuilt-bundle';
import path from 'node:path';
import { demoEvidenceKey, showSealedEvidence, writeEvidenceEnv } from './demo/evidence-demo';
import { subjectOf } from '../src/kinds/kinds';
import { createPolicySource } from '../activities/policy/policy-store';
import { queryRrset } from '../activities/dns/query';
import { exampleRecommendation } from '../src/examples';
import { formatIssue } from '../src/issues';
import { RecommendationValidationError } from '../src/schema/validate-recommendation';
import type { ApproverKeyFile } from '../src/client/approver-keys';
import { seedZone } from './demo/seed';
import { freshGovernors, showBudgetExhausted } from './demo/governor-demo';
import { showOverrides } from './demo/override-demo';
import { demoRegistrarTaskQueue, showRegistrarChange } from './demo/registrar-demo';
import { closeEarlierChanges } from './demo/earlier-runs';
import { writeWorkerEnv } from './demo/worker-env';
import { demoSamples } from './demo/samples';
import { createLogger } from './logger';
import { installRuntime } from './runtime';
import { metricsAddressOf } from './config';
import { ensureInstalled, projectRoot, temporalServerVersion } from './stack/install';
import { startGovernedStack } from './stack/governed-stack';
import { demoPorts, wantedDemoPorts } from './demo/demo-ports';
import { currentLayout, prepareDataDir } from './preflight/data-dir';
import { requireFreePorts } from './preflight/free-ports';
import { PreconditionError } from './preflight/precondition-error';
import { runMain } from './preflight/run-main';

/**
 * The main job on the embedded default stack: start Temporal and PowerDNS, seed demo zones, submit
 * sample AI recommendations across every route and show what happened. `--once` (or CI=true) runs
 * the checks and exits; otherwise it keeps serving until Ctrl-C.
 */
const once = process.argv.includes('--once') || process.env.CI === 'true';
/** The demo's sealed evidence is locked for a day: long enough to look at, short enough to clean up. */
const demoRetentionDays = 1;
/** The demo's change queues: the main one and the registrar section's. */
const demoTaskQueues = ['countersign', demoRegistrarTaskQueue];

async function main(): Promise<number> {
  const parsedPorts = demoPorts(process.env);
  if (!parsedPorts.success)
    throw new PreconditionError(
      `bad port settings: ${parsedPorts.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  const ports = parsedPorts.data;
  // Before the (first-time, minutes-long) install: a taken port is known at once.
  await requireFreePorts(wantedDemoPorts(ports));
  const logger = createLogger({ level: process.env.COUNTERSIGN_LOG_LEVEL ?? 'warn' });
  const metricsAddress = metricsAddressOf(process.env);
  installRuntime(logger, metricsAddress === undefined ? {} : { metricsAddress });
  const { temporalBin } = ensureInstalled();
  const dataDir = path.join(projectRoot, '.data', 'demo');
  const prepared = prepareDataDir(dataDir, {
    layout: currentLayout,
    temporal: temporalServerVersion(temporalBin),
  });
  if (prepared.movedTo !== undefined)
    console.log(
      `.data/demo could not be reused (${prepared.reason}); it was moved to ${path.relative(projectRoot, prepared.movedTo)} (delete it once you no longer need it) and a fresh one is used.`,
    );
  // Again: a first install takes minutes, and something may have taken a port meanwhile.
  await requireFreePorts(wantedDemoPorts(ports));
  console.log('starting Temporal dev server, PowerDNS and the EPP registry test double on loopback ...');
  // Demo approvers get fresh keys each run; a real deployment points COUNTERSIGN_APPROVERS at its directory.
  const evidenceDir = path.join(projectRoot, '.data', 'evidence');
  // The deployment's evidence key: kept across runs, outside .data/demo, so old bundles still verify.
  const signer = demoEvidenceKey(path.join(projectRoot, '.data', 'evidence-keys'));
  const policy = createPolicySource(process.env.COUNTERSIGN_POLICY);
  // One bundle of the workflow code for both workers and for replaying sealed histories.
  const workflowBundlePath = await workflowBundle(path.join(dataDir, 'workflow-bundle.js'));
  const demoStart = new Date();
  const governed = await startGovernedStack({
    temporalBin,
    dataDir,
    ports,
    headless: false,
    taskQueue: 'countersign',
    logger,
    evidenceDir,
    policy,
    workflowBundlePath,
    evidence: { key: signer.key, retentionDays: demoRetentionDays },
  });
  const { stack, pdns, approvers, countersign: cs, worker, exporter } = governed;
  const failures: string[] = [];
  const running = Promise.all([worker.run(), exporter?.run()]);
  const shutdown = async () => {
    try {
      // On Ctrl-C the SDK's own signal handling may already be draining the workers.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      if (exporter?.getState() === 'RUNNING') exporter.shutdown();
      await running;
    } finally {
      // Whatever failed above, the connections close and the servers this demo started stop.
      await governed.close();
    }
  };
  try {
    const prodRecords = await seedZone(pdns, 'example.com.', 300);
    const stagingRecords = await seedZone(pdns, 'staging.example.net.', 120);
    console.log(
      `seeded example.com (production, ${prodRecords} records) and staging.example.net (staging, ${stagingRecords} records)`,
    );

    const run = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const earlier = await closeEarlierChanges(governed.client, demoTaskQueues, `change-demo-${run}-`);
    if (earlier > 0)
      console.log(
        `closing ${earlier} change(s) an earlier demo run left waiting (cancelled before executing: nothing written); this run's changes are demo-${run}-*`,
      );
    let ended = 0;
    for (const queue of demoTaskQueues) ended += await freshGovernors(governed.client, queue);
    if (ended > 0) console.log(`ended ${ended} governor(s) of an earlier demo run: budgets start fresh`);
    console.log(
      `policy: ${process.env.COUNTERSIGN_POLICY ?? 'policies/default.yaml'} (read at every decision: an edit applies to the next one, no restart)`,
    );

    const samples = demoSamples(run);
    console.log(`\nsubmitting ${samples.length} AI recommendations (run ${run}):`);
    const rows: string[][] = [];
    for (const sample of samples) {
      const submission = await cs.submit(sample.recommendation);
      const view = await cs.waitForState(submission.workflowId, sample.expect);
      const state = view.state;
      const ok = sample.expect.includes(state);
      if (!ok) failures.push(`${sample.title}: ended ${state}, expected ${sample.expect.join(' or ')}`);
      rows.push([
        ok ? 'ok ' : 'BAD',
        sample.recommendation.id,
        sample.title,
        state,
        view.decision === null ? '-' : String(view.decision.tier),
      ]);
    }
    for (const row of rows)
      console.log(
        `  ${row[0]} ${row[1]?.padEnd(38)} ${row[2]?.padEnd(46)} ${row[3]?.padEnd(18)} tier ${row[4]}`,
      );

    // Bad input is refused before any workflow starts.
    const invalid = exampleRecommendation({
      id: `demo-${run}-invalid`,
      zone: 'example.com.',
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'www.example.org.',
        type: 'A',
        ttl: 300,
        records: ['300.1.2.3'],
      },
    });
    try {
      await cs.submit(invalid);
      failures.push('an invalid recommendation was accepted');
    } catch (err) {
      if (!(err instanceof RecommendationValidationError)) throw err;
      console.log(
        `\nrefused before any workflow started (${invalid.id}):\n${err.issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
      );
    }
    // The recommendation id is the idempotency key.
    const first = samples[0];
    if (first !== undefined) {
      const again = await cs.submit(first.recommendation);
      console.log(
        `\nresubmitting ${first.recommendation.id}: ${again.created ? 'NEW WORKFLOW (wrong)' : `same workflow ${again.workflowId}, no second change`}`,
      );
      if (again.created) failures.push('duplicate submission started a second workflow');
    }

    failures.push(...(await showBudgetExhausted(cs, run, 'staging.example.net.')));
    failures.push(...(await showOverrides(cs, approvers.keys, run, 'example.com.')));
    failures.push(...(await showRegistrarChange(governed, policy, run, logger, evidenceDir)));

    const waiting = samples.filter((s) => s.expect.includes('awaiting_approval'));
    for (const sample of waiting) {
      console.log(
        `\n--- decision card: ${sample.recommendation.id} ---\n${await cs.decisionCard(sample.recommendation.id)}`,
      );
    }
    const ui = stack.temporal.uiUrl ?? '';
    console.log(`\nTemporal UI: ${ui}/namespaces/default/workflows`);
    const approvable = waiting[0];
    if (approvable !== undefined) {
      // The card is on the workflow's "User Metadata" tab; this link opens it there.
      const workflowId = `change-${approvable.recommendation.id}`;
      const { runId } = await governed.client.workflow.getHandle(workflowId).describe();
      console.log(
        `its decision card, where an approver reads it: ${ui}/namespaces/default/workflows/${workflowId}/${runId}/user-metadata`,
      );
    }
    if (metricsAddress !== undefined) console.log(`Metrics (Prometheus): http://${metricsAddress}/metrics`);
    const workerEnvFile = path.join(dataDir, 'worker.env');
    writeWorkerEnv(workerEnvFile, {
      temporalAddress: stack.temporal.address,
      taskQueue: 'countersign',
      pdns: stack.pdns,
      approversFile: approvers.directoryPath,
    });
    const planHash =
      approvable === undefined
        ? ''
        : ((await cs.status(approvable.recommendation.id)).approval?.planHash ?? '');
    if (approvable !== undefined) {
      console.log(
        [
          'from another terminal (README: "Approve, veto and follow a change"):',
          `  set -a; . ${path.relative(process.cwd(), workerEnvFile)}; set +a    # TEMPORAL_ADDRESS, COUNTERSIGN_APPROVERS, … of this demo`,
          '  npx countersign doctor                            # is everything in place?',
          '  npx countersign list --watch                      # every change, refreshed; what moved',
          `  npx countersign pending --key ${path.relative(process.cwd(), approvers.keyPath('alice@example.com'))}   # what alice may approve`,
          `  npx countersign approve ${approvable.recommendation.id} --plan-hash ${planHash.slice(0, 16)} --key ${path.relative(process.cwd(), approvers.keyPath('alice@example.com'))} --reason "checked the new pool"`,
          '  (the plan hash binds your approval to the card you read)',
        ].join('\n'),
      );
    }

    if (once && approvable !== undefined) {
      const self = await cs.decide(approvable.recommendation.id, {
        key: approvers.keys['oncall-human@example.com'] as ApproverKeyFile,
        decision: 'approve',
        reason: 'my own change',
        planHash,
      });
      console.log(
        `\nrequester tries to approve their own change: ${self.verdict.counted ? 'COUNTED (wrong)' : `refused (${self.verdict.counted ? '' : self.verdict.code})`}`,
      );
      if (self.verdict.counted) failures.push('the requester approved their own change');
      const { verdict } = await cs.decide(approvable.recommendation.id, {
        key: approvers.keys['alice@example.com'] as ApproverKeyFile,
        decision: 'approve',
        reason: 'checked the new pool',
        planHash,
      });
      const { state } = await cs.waitForState(approvable.recommendation.id, [
        'executed',
        'rolled_back',
        'failed',
        'stale',
      ]);
      const subject = subjectOf(approvable.recommendation);
      const served = await queryRrset(stack.pdns.dns, subject.name, subject.type);
      console.log(
        `alice approves: ${verdict.message}; change ${state}; DNS now serves ${served.rrset?.records.join(', ') ?? '(nothing)'}`,
      );
      if (state !== 'executed') failures.push(`approved change ended ${state}`);
      const { check } = await cs.evidence(approvable.recommendation.id);
      console.log(
        `evidence chain: ${check.ok ? `verified, ${check.length} entries` : `BROKEN: ${check.problem}`}`,
      );
      if (!check.ok) failures.push('evidence chain did not verify');
    }
    if (governed.evidenceStore !== undefined && stack.s3 !== undefined) {
      const envFile = path.join(dataDir, 'evidence.env');
      writeEvidenceEnv(envFile, stack.s3, signer.keyringFile, demoRetentionDays);
      const example = samples.find((s) => s.expect.includes('executed'))?.recommendation.id ?? '<id>';
      failures.push(
        ...(await showSealedEvidence({
          client: governed.client,
          store: governed.evidenceStore,
          trusted: signer.keyring.keys,
          since: demoStart,
          workflowBundlePath,
          ...(once
            ? {}
            : {
                verifyHint: `(set -a; . ${path.relative(process.cwd(), envFile)}; set +a; npx countersign verify ${example})`,
              }),
        })),
      );
    }
  } catch (err) {
    await shutdown();
    throw err;
  }

  if (once) {
    await shutdown();
    if (failures.length > 0) {
      console.error(`\ndemo FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
      return 1;
    }
    console.log('\ndemo passed: every route ended as expected');
    return 0;
  }
  console.log('\nrunning; press Ctrl-C to stop every process this demo started');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping ...');
  await shutdown();
  return 0;
}

runMain('demo', main);
