import { decode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';

/**
 * Where a workflow's time went, read from its history alone: every activity, local activity,
 * workflow task, timer and message as a step with its queue wait and run time, and the whole run
 * split into categories that add up to its length. Pure, so the bench, a test or a CLI can feed it
 * any history it holds.
 */
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type History = temporal.api.history.v1.IHistory;
/** Histories decoded by protobufjs carry int64s as Long; hand-built ones may use plain numbers. */
type Int64 = { toNumber(): number } | number | string | null | undefined;
/** A protobuf Timestamp or Duration, or the plain JSON one in a local activity marker. */
interface SecondsAndNanos {
  readonly seconds?: Int64;
  readonly nanos?: number | null;
}

const EventType = temporal.api.enums.v1.EventType;

/** The marker core writes for each local activity; its `data` detail is JSON, not a proto. */
export const localActivityMarkerName = 'core_local_activity';

export type StepKind = 'activity' | 'local-activity' | 'workflow-task' | 'timer' | 'signal' | 'update';
export type StepOutcome = 'completed' | 'failed' | 'timed-out' | 'canceled' | 'fired' | 'received' | 'open';

export interface StepTiming {
  readonly kind: StepKind;
  /** Activity type, signal or update name, `timer 30s`, or `workflow task`. */
  readonly name: string;
  /** 1 for the first step of this kind and name, 2 for the next: the key that lines runs up. */
  readonly occurrence: number;
  /** Offset of the step's first event from the history's first event. */
  readonly startMs: number;
  readonly queueMs: number;
  readonly runMs: number;
  readonly totalMs: number;
  /**
   * The attempt that closed the step. The server writes only the last attempt's started event, so
   * for an attempt above 1 the queue wait also holds the earlier attempts and their backoffs.
   */
  readonly attempt: number;
  readonly outcome: StepOutcome;
}

export type TimeCategory =
  | 'activityQueue'
  | 'activityRun'
  | 'localActivityRun'
  | 'workflowTaskQueue'
  | 'workflowTaskProcessing'
  | 'timer'
  | 'other';

export const timeCategoryLabels: Readonly<Record<TimeCategory, string>> = {
  activityQueue: 'activity queue wait',
  activityRun: 'activity run',
  localActivityRun: 'local activity run',
  workflowTaskQueue: 'workflow task queue wait',
  workflowTaskProcessing: 'workflow task processing',
  timer: 'timers',
  other: 'other/overhead',
};

/**
 * Steps overlap (parallel activities, a timeout timer beside the activity it guards, local
 * activities inside a workflow task), so each instant is charged to the first category here that
 * is busy then: work before waits, and a timer only when nothing else is pending. That makes the
 * categories a partition of the run.
 */
const chargeOrder: readonly TimeCategory[] = [
  'localActivityRun',
  'workflowTaskProcessing',
  'activityRun',
  'workflowTaskQueue',
  'activityQueue',
  'timer',
];

/** Display order: the path an activity takes, then the rest. */
const reportOrder: readonly TimeCategory[] = [
  'activityQueue',
  'activityRun',
  'localActivityRun',
  'workflowTaskQueue',
  'workflowTaskProcessing',
  'timer',
  'other',
];

export interface CategoryTime {
  readonly category: TimeCategory;
  readonly ms: number;
  /** Fraction of the run, 0..1. */
  readonly share: number;
}

export interface KindTotals {
  readonly count: number;
  readonly queueMs: number;
  readonly runMs: number;
}

export interface StepTimings {
  /** First event to the close event (to the last event while the workflow is still open). */
  readonly totalMs: number;
  readonly closed: boolean;
  /** In history order of each step's first event. */
  readonly steps: readonly StepTiming[];
  /** Sums to `totalMs`. */
  readonly categories: readonly CategoryTime[];
  /** Plain sums, overlaps counted twice, unlike `categories`. */
  readonly activities: KindTotals;
  readonly workflowTasks: KindTotals;
}

/** A step while its events are still arriving: times are offsets in ms. */
interface Draft {
  readonly kind: StepKind;
  readonly name: string;
  readonly startMs: number;
  startedMs?: number;
  endMs?: number;
  attempt: number;
  outcome: StepOutcome;
  /** A workflow task's: the step whose end (or arrival) made the server schedule it. */
  trigger?: Draft;
}

interface Collected {
  readonly drafts: Draft[];
  /** Open drafts by the event id that opened them (scheduled, timer started, update accepted). */
  readonly byOpeningEvent: Map<number, Draft>;
  lastWorkflowTaskStartedMs: number;
  /** The last step to end or arrive since a workflow task was scheduled. */
  pendingTrigger: Draft | undefined;
}

function int64(value: Int64): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

/** Differences taken on seconds and nanos apart, so sub-millisecond steps keep their precision. */
function offsetMs(ts: SecondsAndNanos | null | undefined, origin: SecondsAndNanos): number {
  if (ts === null || ts === undefined) return 0;
  return (int64(ts.seconds) - int64(origin.seconds)) * 1000 + ((ts.nanos ?? 0) - (origin.nanos ?? 0)) / 1e6;
}

function durationMs(duration: SecondsAndNanos | null | undefined): number {
  return int64(duration?.seconds) * 1000 + (duration?.nanos ?? 0) / 1e6;
}

function durationLabel(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

function open(collected: Collected, openingEventId: Int64, draft: Draft): void {
  collected.drafts.push(draft);
  collected.byOpeningEvent.set(int64(openingEventId), draft);
}

function markStarted(
  collected: Collected,
  openingEventId: Int64,
  atMs: number,
  attempt?: number | null,
): void {
  const draft = collected.byOpeningEvent.get(int64(openingEventId));
  if (draft === undefined) return;
  draft.startedMs = atMs;
  if (attempt != null && attempt > 0) draft.attempt = attempt;
}

function close(
  collected: Collected,
  openingEventId: Int64,
  atMs: number,
  outcome: StepOutcome,
): Draft | undefined {
  const draft = collected.byOpeningEvent.get(int64(openingEventId));
  if (draft === undefined) return undefined;
  draft.endMs = atMs;
  draft.outcome = outcome;
  collected.byOpeningEvent.delete(int64(openingEventId));
  return draft;
}

/** An activity's end, a timer firing or a signal is what the next workflow task runs for. */
function closeAndWake(collected: Collected, openingEventId: Int64, atMs: number, outcome: StepOutcome): void {
  collected.pendingTrigger = close(collected, openingEventId, atMs, outcome) ?? collected.pendingTrigger;
}

function newDraft(kind: StepKind, name: string, startMs: number): Draft {
  return { kind, name, startMs, attempt: 1, outcome: 'open' };
}

interface LocalActivityMarker {
  readonly activityType: string;
  readonly attempt: number;
  readonly completeTime: SecondsAndNanos | undefined;
}

/**
 * Core's `LocalActivityMarkerData` as serde JSON: snake_case fields, timestamps as plain
 * `{ seconds, nanos }`. `complete_time` is the workflow time when the local activity started
 * (its workflow task's start) plus its runtime.
 */
export function parseLocalActivityMarker(
  attributes: temporal.api.history.v1.IMarkerRecordedEventAttributes,
): LocalActivityMarker | undefined {
  const data = attributes.details?.data?.payloads?.[0]?.data;
  if (!(data instanceof Uint8Array)) return undefined;
  try {
    const parsed = JSON.parse(decode(data)) as {
      activity_type?: unknown;
      attempt?: unknown;
      complete_time?: { seconds?: unknown; nanos?: unknown } | null;
    };
    const complete = parsed.complete_time;
    return {
      activityType: typeof parsed.activity_type === 'string' ? parsed.activity_type : 'local activity',
      attempt: typeof parsed.attempt === 'number' && parsed.attempt > 0 ? parsed.attempt : 1,
      completeTime:
        complete == null
          ? undefined
          : { seconds: Number(complete.seconds ?? 0), nanos: Number(complete.nanos ?? 0) },
    };
  } catch {
    return undefined;
  }
}

type Handler = (collected: Collected, event: HistoryEvent, atMs: number, origin: SecondsAndNanos) => void;

const handlers: Partial<Record<temporal.api.enums.v1.EventType, Handler>> = {
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: (c, e, at) =>
    open(
      c,
      e.eventId,
      newDraft('activity', e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', at),
    ),
  [EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED]: (c, e, at) => {
    const attrs = e.activityTaskStartedEventAttributes;
    markStarted(c, attrs?.scheduledEventId, at, attrs?.attempt);
  },
  [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]: (c, e, at) =>
    closeAndWake(c, e.activityTaskCompletedEventAttributes?.scheduledEventId, at, 'completed'),
  [EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED]: (c, e, at) =>
    closeAndWake(c, e.activityTaskFailedEventAttributes?.scheduledEventId, at, 'failed'),
  [EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT]: (c, e, at) =>
    closeAndWake(c, e.activityTaskTimedOutEventAttributes?.scheduledEventId, at, 'timed-out'),
  [EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED]: (c, e, at) =>
    closeAndWake(c, e.activityTaskCanceledEventAttributes?.scheduledEventId, at, 'canceled'),

  [EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]: (c, e, at) => {
    open(c, e.eventId, { ...newDraft('workflow-task', 'workflow task', at), trigger: c.pendingTrigger });
    c.pendingTrigger = undefined;
  },
  [EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED]: (c, e, at) => {
    c.lastWorkflowTaskStartedMs = at;
    markStarted(c, e.workflowTaskStartedEventAttributes?.scheduledEventId, at);
  },
  [EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]: (c, e, at) =>
    close(c, e.workflowTaskCompletedEventAttributes?.scheduledEventId, at, 'completed'),
  [EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]: (c, e, at) =>
    close(c, e.workflowTaskFailedEventAttributes?.scheduledEventId, at, 'failed'),
  [EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT]: (c, e, at) =>
    close(c, e.workflowTaskTimedOutEventAttributes?.scheduledEventId, at, 'timed-out'),

  [EventType.EVENT_TYPE_TIMER_STARTED]: (c, e, at) => {
    const timeout = durationMs(e.timerStartedEventAttributes?.startToFireTimeout);
    const draft = newDraft('timer', `timer ${durationLabel(timeout)}`, at);
    // A timer has no queue: it runs from the moment it is started.
    draft.startedMs = at;
    open(c, e.eventId, draft);
  },
  [EventType.EVENT_TYPE_TIMER_FIRED]: (c, e, at) =>
    closeAndWake(c, e.timerFiredEventAttributes?.startedEventId, at, 'fired'),
  [EventType.EVENT_TYPE_TIMER_CANCELED]: (c, e, at) =>
    close(c, e.timerCanceledEventAttributes?.startedEventId, at, 'canceled'),

  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]: (c, e, at) => {
    const name = e.workflowExecutionSignaledEventAttributes?.signalName ?? '?';
    const draft: Draft = { ...newDraft('signal', name, at), startedMs: at, endMs: at, outcome: 'received' };
    c.drafts.push(draft);
    c.pendingTrigger = draft;
  },
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: (c, e, at) => {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '?';
    const draft = newDraft('update', name, at);
    draft.startedMs = at;
    open(c, e.eventId, draft);
  },
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED]: (c, e, at) =>
    close(c, e.workflowExecutionUpdateCompletedEventAttributes?.acceptedEventId, at, 'completed'),

  [EventType.EVENT_TYPE_MARKER_RECORDED]: (c, e, at, origin) => {
    const attrs = e.markerRecordedEventAttributes;
    if (attrs == null || attrs.markerName !== localActivityMarkerName) return;
    const marker = parseLocalActivityMarker(attrs);
    // It ran inside the workflow task that recorded it, which started at the last task start.
    const startMs = c.lastWorkflowTaskStartedMs;
    const endMs = marker?.completeTime === undefined ? at : offsetMs(marker.completeTime, origin);
    c.drafts.push({
      kind: 'local-activity',
      name: marker?.activityType ?? 'local activity',
      startMs,
      startedMs: startMs,
      endMs: Math.max(startMs, endMs),
      attempt: marker?.attempt ?? 1,
      outcome: attrs.failure == null ? 'completed' : 'failed',
    });
  },
};

const closeEventTypes: ReadonlySet<temporal.api.enums.v1.EventType | null | undefined> = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

function isEventList(history: History | readonly HistoryEvent[]): history is readonly HistoryEvent[] {
  return Array.isArray(history);
}

function eventsOf(history: History | readonly HistoryEvent[]): readonly HistoryEvent[] {
  return isEventList(history) ? history : (history.events ?? []);
}

function collectDrafts(events: readonly HistoryEvent[], origin: SecondsAndNanos): Draft[] {
  const collected: Collected = {
    drafts: [],
    byOpeningEvent: new Map(),
    lastWorkflowTaskStartedMs: 0,
    pendingTrigger: undefined,
  };
  for (const event of events) {
    const handler = event.eventType == null ? undefined : handlers[event.eventType];
    handler?.(collected, event, offsetMs(event.eventTime, origin), origin);
  }
  return collected.drafts;
}

/** Steps still open when the history ends run to its end. */
function finishDraft(draft: Draft, name: string, endOfHistoryMs: number, occurrence: number): StepTiming {
  const endMs = draft.endMs ?? endOfHistoryMs;
  const startedMs = draft.startedMs ?? endMs;
  return {
    kind: draft.kind,
    name,
    occurrence,
    startMs: draft.startMs,
    queueMs: startedMs - draft.startMs,
    runMs: endMs - startedMs,
    totalMs: endMs - draft.startMs,
    attempt: draft.attempt,
    outcome: draft.outcome,
  };
}

/**
 * Workflow tasks are named after what woke them (`workflow task after verify`): a count would
 * shift whenever two completions share one task, and then misalign runs compared step by step.
 */
function numberOccurrences(drafts: readonly Draft[], endOfHistoryMs: number): StepTiming[] {
  const seen = new Map<string, number>();
  const finished = new Map<Draft, StepTiming>();
  return drafts.map((draft) => {
    const trigger = draft.trigger === undefined ? undefined : finished.get(draft.trigger);
    const name = trigger === undefined ? draft.name : `${draft.name} after ${stepLabel(trigger)}`;
    const key = `${draft.kind}\u0000${name}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const step = finishDraft(draft, name, endOfHistoryMs, occurrence);
    finished.set(draft, step);
    return step;
  });
}

interface Interval {
  readonly category: TimeCategory;
  readonly fromMs: number;
  readonly toMs: number;
}

function intervalsOf(step: StepTiming): Interval[] {
  const startedMs = step.startMs + step.queueMs;
  const endMs = step.startMs + step.totalMs;
  const pair = (queue: TimeCategory, run: TimeCategory): Interval[] => [
    { category: queue, fromMs: step.startMs, toMs: startedMs },
    { category: run, fromMs: startedMs, toMs: endMs },
  ];
  switch (step.kind) {
    case 'activity':
      return pair('activityQueue', 'activityRun');
    case 'workflow-task':
      return pair('workflowTaskQueue', 'workflowTaskProcessing');
    case 'local-activity':
      return [{ category: 'localActivityRun', fromMs: step.startMs, toMs: endMs }];
    case 'timer':
      return [{ category: 'timer', fromMs: step.startMs, toMs: endMs }];
    // Messages are points, and an update's handler time is made of the steps it runs.
    case 'signal':
    case 'update':
      return [];
  }
}

function chargedCategory(intervals: readonly Interval[], atMs: number): TimeCategory {
  const busy = (category: TimeCategory) =>
    intervals.some((i) => i.category === category && i.fromMs <= atMs && atMs < i.toMs);
  return chargeOrder.find(busy) ?? 'other';
}

/** Cuts the run at every step boundary and charges each piece whole to one category. */
export function partitionByCategory(steps: readonly StepTiming[], totalMs: number): CategoryTime[] {
  const intervals = steps.flatMap(intervalsOf).filter((i) => i.toMs > i.fromMs);
  const clip = (ms: number) => Math.min(totalMs, Math.max(0, ms));
  const cuts = [...new Set([0, totalMs, ...intervals.flatMap((i) => [clip(i.fromMs), clip(i.toMs)])])].sort(
    (a, b) => a - b,
  );
  const charged = new Map<TimeCategory, number>();
  for (let k = 0; k + 1 < cuts.length; k += 1) {
    const from = cuts[k] as number;
    const to = cuts[k + 1] as number;
    const category = chargedCategory(intervals, (from + to) / 2);
    charged.set(category, (charged.get(category) ?? 0) + (to - from));
  }
  return reportOrder.map((category) => {
    const ms = charged.get(category) ?? 0;
    return { category, ms, share: totalMs > 0 ? ms / totalMs : 0 };
  });
}

function totalsOf(steps: readonly StepTiming[], kind: StepKind): KindTotals {
  const ofKind = steps.filter((s) => s.kind === kind);
  return {
    count: ofKind.length,
    queueMs: ofKind.reduce((sum, s) => sum + s.queueMs, 0),
    runMs: ofKind.reduce((sum, s) => sum + s.runMs, 0),
  };
}

/** The timing breakdown of one workflow run, from its history (or its events). */
export function stepTimings(history: History | readonly HistoryEvent[]): StepTimings {
  const events = eventsOf(history);
  const first = events[0];
  const last = events[events.length - 1];
  if (first?.eventTime == null || last === undefined) {
    const none = { count: 0, queueMs: 0, runMs: 0 };
    return { totalMs: 0, closed: false, steps: [], categories: [], activities: none, workflowTasks: none };
  }
  const origin = first.eventTime;
  const totalMs = offsetMs(last.eventTime, origin);
  const steps = numberOccurrences(collectDrafts(events, origin), totalMs);
  return {
    totalMs,
    closed: closeEventTypes.has(last.eventType),
    steps,
    categories: partitionByCategory(steps, totalMs),
    activities: totalsOf(steps, 'activity'),
    workflowTasks: totalsOf(steps, 'workflow-task'),
  };
}

/** `verify`, then `verify #2`: the name that tells repeated steps apart, in tables and across runs. */
export function stepLabel(step: Pick<StepTiming, 'name' | 'occurrence'>): string {
  return step.occurrence > 1 ? `${step.name} #${step.occurrence}` : step.name;
}

function stepNote(step: StepTiming): string {
  const notes = [
    ...(step.attempt > 1 ? [`attempt ${step.attempt}`] : []),
    ...(['completed', 'fired', 'received'].includes(step.outcome) ? [] : [step.outcome]),
  ];
  return notes.join(', ');
}

export function formatMs(ms: number): string {
  return ms.toFixed(1);
}

export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Left-aligned text, right-aligned numbers: columns whose header is in `numeric`. */
export function textColumns(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<string>,
): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        const width = widths[c] ?? 0;
        return numeric.has(headers[c] ?? '') ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The steps in history order, then one line per category with its share of the run. */
export function renderStepTimings(breakdown: StepTimings): string {
  const headers = ['step', 'kind', 'start ms', 'queue ms', 'run ms', 'note'];
  const rows = breakdown.steps.map((s) => [
    stepLabel(s),
    s.kind,
    formatMs(s.startMs),
    formatMs(s.queueMs),
    formatMs(s.runMs),
    stepNote(s),
  ]);
  const summary = breakdown.categories.map((c) => [
    timeCategoryLabels[c.category],
    formatMs(c.ms),
    formatShare(c.share),
  ]);
  const { activities, workflowTasks } = breakdown;
  return [
    textColumns(headers, rows, new Set(['start ms', 'queue ms', 'run ms'])),
    '',
    textColumns(['category', 'ms', 'share'], summary, new Set(['ms', 'share'])),
    `total ${formatMs(breakdown.totalMs)} ms${breakdown.closed ? '' : ' (still open)'}; ` +
      `${activities.count} activities (queue ${formatMs(activities.queueMs)} ms, run ${formatMs(activities.runMs)} ms), ` +
      `${workflowTasks.count} workflow tasks (queue ${formatMs(workflowTasks.queueMs)} ms, ` +
      `processing ${formatMs(workflowTasks.runMs)} ms)`,
  ].join('\n');
}
