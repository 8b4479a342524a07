import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { CountersignClient } from '../src/client/countersign-client';
import { exampleRecommendation } from '../src/examples';
import type { ApproverSet } from '../workers/stack/approver-set';
import type { GoalBoard } from './goals';
import { percentile, table } from './stats';
import type { StepTiming, StepTimings } from '../src/perf/step-timings';
import { formatMs, stepLabel, stepTimings } from '../src/perf/step-timings';

export interface ApprovalLatencyContext {
  readonly client: Client;
  readonly countersign: CountersignClient;
  readonly approvers: ApproverSet;
  /** The task queue where bench/workflows runs (the bare baseline's worker). */
  readonly bareTaskQueue: string;
  readonly zone: string;
  readonly run: string;
  readonly rounds: number;
  readonly goals: GoalBoard;
  readonly log: (line: string) => void;
}

type Event = temporal.api.history.v1.IHistoryEvent;

const msOf = (t: Event['eventTime']): number =>
  t === null || t === undefined ? Number.NaN : Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;

/** When the activity of type `name` (its first attempt that ran) started, from the history. */
async function activityStartedAt(client: Client, workflowId: string, name: string): Promise<number> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
    const started =
      scheduled === undefined
        ? undefined
        : events.find(
            (e) =>
              e.activityTaskStartedEventAttributes !== null &&
              e.activityTaskStartedEventAttributes !== undefined &&
              Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled.eventId),
          );
    if (started !== undefined) return msOf(started.eventTime);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId}: no ${name} activity started within 30 s`);
}

/**
 * From an approver's call to the start of the write: countersign's tier-2 change (the SDK's decide,
 * its plan-hash check, the policy recheck, the governors' permit, then `execute`) against a bare
 * workflow that waits for one update and then runs one activity. Rounds interleave the two.
 */
export async function benchApprovalToWrite(ctx: ApprovalLatencyContext): Promise<string> {
  const bare: number[] = [];
  const governed: number[] = [];
  const paths: StepTiming[][] = [];
  const alice = ctx.approvers.keys['alice@example.com'];
  if (alice === undefined) throw new Error('the sample approvers have no alice@example.com');
  for (let i = 0; i < ctx.rounds; i += 1) {
    const workflowId = `bench-${ctx.run}-approve-bare-${i}`;
    const handle = await ctx.client.workflow.start('approvalBaselineWorkflow', {
      taskQueue: ctx.bareTaskQueue,
      workflowId,
    });
    // Its first workflow task done: the update then meets a waiting workflow, as an approval does.
    while (((await handle.fetchHistory()).events ?? []).length < 4)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const sentAt = Date.now();
    await handle.executeUpdate('approve');
    bare.push((await activityStartedAt(ctx.client, workflowId, 'noop')) - sentAt);

    const rec = exampleRecommendation({
      id: `bench-${ctx.run}-approve-${i}`,
      zone: ctx.zone,
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: `approve${i}.${ctx.zone}`,
        type: 'A',
        ttl: 300,
        records: ['192.0.2.205'],
      },
    });
    const { handle: change } = await ctx.countersign.submit(rec);
    const view = await ctx.countersign.waitForState(rec.id, ['awaiting_approval']);
    const approvedAt = Date.now();
    await ctx.countersign.decide(rec.id, {
      key: alice,
      decision: 'approve',
      reason: 'bench',
      planHash: view.approval?.planHash ?? '',
    });
    governed.push((await activityStartedAt(ctx.client, change.workflowId, 'execute')) - approvedAt);
    await change.result();
    paths.push(approvalToWriteSteps(stepTimings(await change.fetchHistory())));
    ctx.log(`approval to write: round ${i + 1}/${ctx.rounds}`);
  }
  const base = percentile(bare, 50);
  const ratio = percentile(governed, 50) / base;
  return `${table(
    ['path', 'n', 'p50 ms', 'p95 ms', 'p50 ratio', 'goal'],
    [
      [
        'bare: update → one activity started (baseline)',
        bare.length,
        base.toFixed(0),
        percentile(bare, 95).toFixed(0),
        '1.00',
        '',
      ],
      [
        'countersign: approve (SDK) → execute started',
        governed.length,
        percentile(governed, 50).toFixed(0),
        percentile(governed, 95).toFixed(0),
        ratio.toFixed(2),
        ctx.goals.check('approval-to-write', ratio),
      ],
    ],
  )}\n\nwhere it goes: the steps from the approval (the \`decide\` update) to the write, medians across rounds\n${renderPath(paths)}`;
}

/** The steps from the decide update that completed the approval up to (not including) `execute`. */
function approvalToWriteSteps(timings: StepTimings): StepTiming[] {
  const decided = timings.steps.filter((s) => s.kind === 'update' && s.name === 'decide').at(-1);
  const write = timings.steps.find((s) => s.kind === 'activity' && s.name === 'execute');
  if (decided === undefined || write === undefined) return [];
  return timings.steps.filter((s) => s.startMs >= decided.startMs && s.startMs < write.startMs);
}

function renderPath(paths: readonly StepTiming[][]): string {
  const byLabel = new Map<string, { kind: string; after: number[]; queue: number[]; run: number[] }>();
  for (const steps of paths) {
    const origin = steps[0]?.startMs ?? 0;
    for (const step of steps) {
      const label = stepLabel(step);
      const entry = byLabel.get(label) ?? { kind: step.kind, after: [], queue: [], run: [] };
      entry.after.push(step.startMs - origin);
      entry.queue.push(step.queueMs);
      entry.run.push(step.runMs);
      byLabel.set(label, entry);
    }
  }
  const rows = [...byLabel.entries()].sort((a, b) => percentile(a[1].after, 50) - percentile(b[1].after, 50));
  return table(
    ['step', 'kind', 'n', 'median start after approval ms', 'median queue ms', 'median run ms'],
    rows.map(([label, e]) => [
      label,
      e.kind,
      e.after.length,
      formatMs(percentile(e.after, 50)),
      formatMs(percentile(e.queue, 50)),
      formatMs(percentile(e.run, 50)),
    ]),
  );
}
