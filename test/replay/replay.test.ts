import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../helpers/env';
import { dataConverter } from '../../src/payloads/data-converter';

/**
 * Every committed history must replay on today's workflow code: a change that would break running
 * workflows fails here and belongs behind patched(). The tampered history proves the check bites.
 */
const dir = path.join(__dirname, 'histories');
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
const bundle = () => ({ workflowBundle: { codePath: testEnv().workflowBundle }, dataConverter });

interface RawEvent {
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
  eventId?: string | number;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string | number };
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
  workflowTaskCompletedEventAttributes?: object;
}
const eventsOf = (generation: string, file: string) =>
  (JSON.parse(readFileSync(path.join(dir, generation, file), 'utf8')) as { events: RawEvent[] }).events;
/** The patch ids a history recorded (the SDK's `core_patch` markers carry `{ id }` as JSON). */
const patchesOf = (events: readonly RawEvent[]) =>
  events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.details?.['patch-data']?.payloads?.[0]?.data;
    if (marker?.markerName !== 'core_patch' || data === undefined) return [];
    return [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id];
  });
const activitiesOf = (events: readonly RawEvent[]) =>
  events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

/** `v10-write-authorship` → 10: generations sort by number, not as text. */
const generationNumber = (name: string) => Number(/^v(\d+)-/.exec(name)?.[1] ?? Number.NaN);

describe('replay of recorded histories', () => {
  // One folder per recording generation: every generation must keep replaying on today's code.
  const generations = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'tampered')
    .map((d) => d.name)
    .sort((a, b) => generationNumber(a) - generationNumber(b));
  const routes = [
    'approval-executed.json',
    'auto-executed.json',
    'blocked.json',
    'dual-control-executed.json',
  ];

  it('has recorded histories for every route in every generation', () => {
    assert.deepEqual(generations, [
      'v1-before-policy-engine',
      'v2-policy-engine',
      'v3-verified-approvals',
      'v4-tolerant-input',
      'v5-governor',
      'v6-overrides',
      'v7-registrar',
      'v8-sealed-evidence',
      'v9-local-reads',
      'v10-write-authorship',
      'v11-auto-checked-once',
      'v12-patches-at-start',
      'v13-announced-requests',
      'v14-overrides-with-admission',
      'v15-announce-while-waiting',
      'v16-permit-with-admission',
    ]);
    for (const generation of generations) {
      const files = readdirSync(path.join(dir, generation));
      for (const route of routes) assert.ok(files.includes(route), `${generation} lacks ${route}`);
    }
    // Governed changes, and a governor's own history, from the generation that introduced them.
    const governed = readdirSync(path.join(dir, 'v5-governor'));
    assert.ok(governed.includes('auto-rerouted-approved.json'));
    assert.ok(governed.includes('governor-zone.json'));
    // Freezes and break-glass, on the change and on the governor that kept them.
    const overridden = readdirSync(path.join(dir, 'v6-overrides'));
    for (const file of ['frozen-released.json', 'break-glass-executed.json', 'governor-overrides.json'])
      assert.ok(overridden.includes(file), `v6-overrides lacks ${file}`);
    // A registrar change with a lock lifted around the write.
    assert.ok(readdirSync(path.join(dir, 'v7-registrar')).includes('registrar-locked-nameservers.json'));
  });

  it('has sealed-evidence histories: every change asked its ledger to seal it, and the ledger sealed them', () => {
    const sealed = readdirSync(path.join(dir, 'v8-sealed-evidence'));
    assert.ok(sealed.includes('evidence-ledger.json'), 'v8-sealed-evidence lacks evidence-ledger.json');
    // Recorded with sealing on: otherwise the patched branch would go unchecked by replay.
    for (const route of [...routes, 'registrar-locked-nameservers.json']) {
      const events = eventsOf('v8-sealed-evidence', route);
      assert.ok(patchesOf(events).includes('sealed-evidence'), `${route} lacks the sealed-evidence patch`);
      assert.ok(activitiesOf(events).includes('requestSeal'), `${route} never asked for a seal`);
    }
    const ledger = eventsOf('v8-sealed-evidence', 'evidence-ledger.json');
    assert.equal(
      ledger[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
      'evidenceLedgerWorkflow',
    );
    assert.ok(
      activitiesOf(ledger).filter((a) => a === 'sealChange').length >= 4,
      'the ledger sealed too few changes',
    );
  });

  it('has write-authorship histories: every change that wrote took the patched evidence branch', () => {
    for (const route of [
      'approval-executed.json',
      'auto-executed.json',
      'dual-control-executed.json',
      'registrar-locked-nameservers.json',
    ]) {
      const events = eventsOf('v10-write-authorship', route);
      assert.ok(patchesOf(events).includes('write-authorship'), `${route} lacks the write-authorship patch`);
    }
  });

  it('has checked-once histories: an automatic change read the overrides once, an approved one twice', () => {
    const auto = eventsOf('v11-auto-checked-once', 'auto-executed.json');
    assert.ok(patchesOf(auto).includes('auto-route-checked-once'), 'auto-executed lacks the patch');
    assert.equal(activitiesOf(auto).filter((a) => a === 'activeOverrides').length, 1);
    // The patch is asked only on the automatic route: an approved change re-checks as before.
    const approved = eventsOf('v11-auto-checked-once', 'approval-executed.json');
    assert.ok(!patchesOf(approved).includes('auto-route-checked-once'));
    assert.ok(activitiesOf(approved).filter((a) => a === 'activeOverrides').length >= 2);
  });

  it('has patches-at-start histories: the patches asked after a local activity are recorded in the first workflow task', () => {
    for (const route of routes) {
      const events = eventsOf('v12-patches-at-start', route);
      const firstTaskEnd = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
      const firstLocalActivity = events.findIndex(
        (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      );
      assert.ok(
        firstTaskEnd > 0 && firstLocalActivity > firstTaskEnd,
        `${route}: no first task before the reads`,
      );
      const early = patchesOf(events.slice(firstTaskEnd, firstLocalActivity));
      for (const id of ['sealed-evidence', 'recheck-policy-before-execute', 'auto-route-checked-once'])
        assert.ok(early.includes(id), `${route}: ${id} not in the first workflow task (${early.join(', ')})`);
      // Asked once: no second marker of the same patch later on.
      for (const id of ['sealed-evidence', 'recheck-policy-before-execute', 'auto-route-checked-once'])
        assert.equal(patchesOf(events).filter((p) => p === id).length, 1, `${route}: ${id} recorded twice`);
    }
  });

  it('has announced-request histories: a request is announced when it opens, an automatic change announces nothing', () => {
    for (const route of ['approval-executed.json', 'dual-control-executed.json']) {
      const events = eventsOf('v13-announced-requests', route);
      assert.ok(patchesOf(events).includes('announce-approval-requests'), `${route} lacks the patch`);
      assert.ok(activitiesOf(events).includes('escalate'), `${route} announced nothing`);
    }
    const auto = eventsOf('v13-announced-requests', 'auto-executed.json');
    assert.ok(!activitiesOf(auto).includes('escalate'), 'an automatic change has no request to announce');
  });

  it('has overrides-with-admission histories: the first check used the overrides the admission read', () => {
    for (const route of ['auto-executed.json', 'blocked.json']) {
      const events = eventsOf('v14-overrides-with-admission', route);
      assert.ok(patchesOf(events).includes('overrides-with-admission'), `${route} lacks the patch`);
      assert.ok(!activitiesOf(events).includes('activeOverrides'), `${route} read the overrides apart`);
    }
    // After a wait for approvers, the re-check reads them again.
    const approved = eventsOf('v14-overrides-with-admission', 'approval-executed.json');
    assert.ok(activitiesOf(approved).includes('activeOverrides'));
  });

  it('has announce-while-waiting histories: a request is still announced, and its change still closes after it', () => {
    for (const route of ['approval-executed.json', 'dual-control-executed.json']) {
      const events = eventsOf('v15-announce-while-waiting', route);
      assert.ok(patchesOf(events).includes('announce-while-waiting'), `${route} lacks the patch`);
      assert.ok(activitiesOf(events).includes('escalate'), `${route} announced nothing`);
      // The announcement finished before the evidence was exported: its outcome is in the bundle.
      const scheduledAt = (name: string) =>
        events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
      const announced = events[scheduledAt('escalate')]?.eventId;
      const closedAt = events.findIndex(
        (e) =>
          e.activityTaskCompletedEventAttributes?.scheduledEventId !== undefined &&
          String(e.activityTaskCompletedEventAttributes.scheduledEventId) === String(announced),
      );
      assert.ok(
        closedAt > 0 && closedAt < scheduledAt('exportEvidence'),
        `${route}: a notice outlived the change`,
      );
    }
  });

  it('has permit-with-admission histories: an automatic change asked its governors once before writing', () => {
    const asksBeforeWrite = (generation: string) => {
      const steps = activitiesOf(eventsOf(generation, 'auto-executed.json'));
      return steps.slice(0, steps.indexOf('execute')).filter((a) => a === 'askGovernors').length;
    };
    const auto = eventsOf('v16-permit-with-admission', 'auto-executed.json');
    assert.ok(patchesOf(auto).includes('permit-with-admission'), 'auto-executed lacks the patch');
    assert.equal(asksBeforeWrite('v15-announce-while-waiting'), 2, 'admission, then the permit');
    assert.equal(asksBeforeWrite('v16-permit-with-admission'), 1, 'both in one ask');
    // Changes that wait for people are admitted first and ask for their permit once approved.
    const approved = activitiesOf(eventsOf('v16-permit-with-admission', 'approval-executed.json'));
    assert.ok(approved.slice(0, approved.indexOf('execute')).filter((a) => a === 'askGovernors').length >= 3);
  });

  it('has fast-path histories: the read-only steps ran as local activities', () => {
    for (const route of routes) {
      const events = eventsOf('v9-local-reads', route);
      assert.ok(patchesOf(events).includes('local-reads'), `${route} lacks the local-reads patch`);
      const local = events.filter(
        (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      );
      assert.ok(local.length >= 3, `${route}: ${local.length} local activities`);
      for (const step of ['validate', 'classify', 'stage', 'check'])
        assert.ok(!activitiesOf(events).includes(step), `${route} ran ${step} as an ordinary activity`);
    }
  });

  for (const generation of generations) {
    const files = readdirSync(path.join(dir, generation))
      .filter((f) => f.endsWith('.json'))
      .sort();
    for (const file of files) {
      it(`replays ${generation}/${file} without nondeterminism`, async () => {
        await Worker.runReplayHistory(bundle(), load(path.join(dir, generation, file)), file);
      });
    }
  }

  it('rejects a tampered history whose activity order differs from the code', async () => {
    await assert.rejects(
      Worker.runReplayHistory(
        bundle(),
        load(path.join(dir, 'tampered', 'activity-order-changed.json')),
        'tampered',
      ),
      (err: unknown) => {
        assert.ok(
          err instanceof DeterminismViolationError,
          `expected a determinism violation, got ${String(err)}`,
        );
        return true;
      },
    );
  });
});
