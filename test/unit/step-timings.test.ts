import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Long from 'long';
import { temporal } from '@temporalio/proto';
import type { StepTiming, StepTimings, TimeCategory } from '../../src/perf/step-timings';
import { renderStepTimings, stepLabel, stepTimings } from '../../src/perf/step-timings';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const T = temporal.api.enums.v1.EventType;

// A real epoch second, so offsets are taken across Long seconds as in a fetched history.
const epochSecond = 1_763_600_000;

function at(ms: number): { seconds: Long; nanos: number } {
  const whole = Math.floor(ms / 1000);
  return { seconds: Long.fromNumber(epochSecond + whole), nanos: Math.round((ms - whole * 1000) * 1e6) };
}

/** Appends events in call order, as the server writes them; helpers return the opening event's id. */
class HistoryBuilder {
  readonly events: HistoryEvent[] = [];

  add(eventType: temporal.api.enums.v1.EventType, ms: number, attributes: HistoryEvent = {}): Long {
    const eventId = Long.fromNumber(this.events.length + 1);
    this.events.push({ eventId, eventTime: at(ms), eventType, ...attributes });
    return eventId;
  }

  workflowStarted(ms = 0): this {
    this.add(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, ms, {
      workflowExecutionStartedEventAttributes: { workflowType: { name: 'changeWorkflow' } },
    });
    return this;
  }

  workflowTask(scheduled: number, started: number, completed: number): this {
    const scheduledEventId = this.add(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, scheduled, {
      workflowTaskScheduledEventAttributes: {},
    });
    const startedEventId = this.add(T.EVENT_TYPE_WORKFLOW_TASK_STARTED, started, {
      workflowTaskStartedEventAttributes: { scheduledEventId },
    });
    this.add(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, completed, {
      workflowTaskCompletedEventAttributes: { scheduledEventId, startedEventId },
    });
    return this;
  }

  scheduleActivity(name: string, ms: number): Long {
    return this.add(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, ms, {
      activityTaskScheduledEventAttributes: {
        activityType: { name },
        activityId: String(this.events.length + 1),
      },
    });
  }

  /** Started and closed together, as the server writes them once the attempt ends. */
  finishActivity(
    scheduledEventId: Long,
    started: number,
    closed: number,
    outcome: 'completed' | 'failed' | 'timed-out' = 'completed',
    attempt = 1,
  ): this {
    const startedEventId = this.add(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, started, {
      activityTaskStartedEventAttributes: { scheduledEventId, attempt },
    });
    const ids = { scheduledEventId, startedEventId };
    if (outcome === 'completed')
      this.add(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, closed, { activityTaskCompletedEventAttributes: ids });
    if (outcome === 'failed')
      this.add(T.EVENT_TYPE_ACTIVITY_TASK_FAILED, closed, { activityTaskFailedEventAttributes: ids });
    if (outcome === 'timed-out')
      this.add(T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, closed, { activityTaskTimedOutEventAttributes: ids });
    return this;
  }

  activity(name: string, scheduled: number, started: number, closed: number): this {
    return this.finishActivity(this.scheduleActivity(name, scheduled), started, closed);
  }

  startTimer(seconds: number, ms: number): Long {
    return this.add(T.EVENT_TYPE_TIMER_STARTED, ms, {
      timerStartedEventAttributes: {
        timerId: '1',
        startToFireTimeout: { seconds: Long.fromNumber(seconds) },
      },
    });
  }

  fireTimer(startedEventId: Long, ms: number): this {
    this.add(T.EVENT_TYPE_TIMER_FIRED, ms, { timerFiredEventAttributes: { timerId: '1', startedEventId } });
    return this;
  }

  cancelTimer(startedEventId: Long, ms: number): this {
    this.add(T.EVENT_TYPE_TIMER_CANCELED, ms, {
      timerCanceledEventAttributes: { timerId: '1', startedEventId },
    });
    return this;
  }

  signal(name: string, ms: number): this {
    this.add(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, ms, {
      workflowExecutionSignaledEventAttributes: { signalName: name },
    });
    return this;
  }

  update(name: string, accepted: number, completed: number): this {
    const acceptedEventId = this.add(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, accepted, {
      workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name } } },
    });
    this.add(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, completed, {
      workflowExecutionUpdateCompletedEventAttributes: { acceptedEventId },
    });
    return this;
  }

  /** The marker as core writes it: JSON `data` with the perceived completion time. */
  localActivity(name: string, recorded: number, completeTime: number, attempt = 1): this {
    const { seconds, nanos } = at(completeTime);
    const data = {
      seq: 1,
      attempt,
      activity_id: '1',
      activity_type: name,
      complete_time: { seconds: seconds.toNumber(), nanos },
      backoff: null,
      original_schedule_time: null,
    };
    this.add(T.EVENT_TYPE_MARKER_RECORDED, recorded, {
      markerRecordedEventAttributes: {
        markerName: 'core_local_activity',
        details: { data: { payloads: [{ data: new TextEncoder().encode(JSON.stringify(data)) }] } },
      },
    });
    return this;
  }

  completed(ms: number): HistoryEvent[] {
    this.add(T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, ms, {
      workflowExecutionCompletedEventAttributes: {},
    });
    return this.events;
  }
}

type ExpectedStep = Partial<StepTiming> & { label: string };

interface Case {
  name: string;
  events: HistoryEvent[];
  totalMs: number;
  closed?: boolean;
  steps: ExpectedStep[];
  categories: Partial<Record<TimeCategory, number>>;
}

const cases: Case[] = (() => {
  const single = new HistoryBuilder().workflowStarted().workflowTask(0, 1, 3).activity('validate', 3, 8, 28);
  const retried = new HistoryBuilder().workflowStarted().workflowTask(0, 1, 3);
  const flaky = retried.scheduleActivity('verify', 3);
  const timer = new HistoryBuilder().workflowStarted().workflowTask(0, 1, 3);
  const sleep = timer.startTimer(1, 3);
  const guarded = new HistoryBuilder().workflowStarted().workflowTask(0, 1, 3);
  const timeout = guarded.startTimer(10, 3);
  const parallel = new HistoryBuilder().workflowStarted().workflowTask(0, 2, 4);
  const left = parallel.scheduleActivity('stage', 4);
  const right = parallel.scheduleActivity('stage', 4);
  const open = new HistoryBuilder().workflowStarted().workflowTask(0, 1, 3);
  open.scheduleActivity('execute', 3);
  return [
    {
      name: 'one activity: queue wait from scheduled to started, run from started to completed',
      events: single.workflowTask(28, 30, 33).completed(33),
      totalMs: 33,
      steps: [
        { label: 'workflow task', kind: 'workflow-task', startMs: 0, queueMs: 1, runMs: 2 },
        { label: 'validate', kind: 'activity', startMs: 3, queueMs: 5, runMs: 20, totalMs: 25, attempt: 1 },
        { label: 'workflow task after validate', kind: 'workflow-task', startMs: 28, queueMs: 2, runMs: 3 },
      ],
      categories: {
        activityQueue: 5,
        activityRun: 20,
        workflowTaskQueue: 3,
        workflowTaskProcessing: 5,
        timer: 0,
        other: 0,
      },
    },
    {
      name: 'a retried, finally failing activity: the last attempt, earlier attempts in the queue wait',
      events: retried
        .finishActivity(flaky, 1503, 1510, 'failed', 3)
        .workflowTask(1510, 1511, 1512)
        .completed(1512),
      totalMs: 1512,
      steps: [
        { label: 'workflow task' },
        { label: 'verify', queueMs: 1500, runMs: 7, attempt: 3, outcome: 'failed' },
        { label: 'workflow task after verify' },
      ],
      categories: { activityQueue: 1500, activityRun: 7, workflowTaskQueue: 2, workflowTaskProcessing: 3 },
    },
    {
      name: 'a fired timer runs its whole duration',
      events: timer.fireTimer(sleep, 1003).workflowTask(1003, 1004, 1006).completed(1006),
      totalMs: 1006,
      steps: [
        { label: 'workflow task' },
        { label: 'timer 1s', kind: 'timer', startMs: 3, queueMs: 0, runMs: 1000, outcome: 'fired' },
        { label: 'workflow task after timer 1s', queueMs: 1, runMs: 2 },
      ],
      categories: { timer: 1000, workflowTaskQueue: 2, workflowTaskProcessing: 4, other: 0 },
    },
    {
      name: 'a timeout timer beside its activity is charged only where nothing else runs',
      events: guarded
        .activity('execute', 3, 5, 25)
        .workflowTask(25, 26, 28)
        .cancelTimer(timeout, 28)
        .completed(28),
      totalMs: 28,
      steps: [
        { label: 'workflow task' },
        { label: 'timer 10s', startMs: 3, runMs: 25, outcome: 'canceled' },
        { label: 'execute', queueMs: 2, runMs: 20 },
        { label: 'workflow task after execute' },
      ],
      categories: {
        activityQueue: 2,
        activityRun: 20,
        workflowTaskQueue: 2,
        workflowTaskProcessing: 4,
        timer: 0,
      },
    },
    {
      name: 'parallel activities: overlaps charged once, repeats numbered, the task named after the last',
      events: parallel
        .finishActivity(left, 5, 15)
        .finishActivity(right, 9, 30)
        .workflowTask(30, 31, 32)
        .completed(32),
      totalMs: 32,
      steps: [
        { label: 'workflow task' },
        { label: 'stage', queueMs: 1, runMs: 10 },
        { label: 'stage #2', queueMs: 5, runMs: 21 },
        { label: 'workflow task after stage #2' },
      ],
      categories: { activityQueue: 1, activityRun: 25, workflowTaskQueue: 3, workflowTaskProcessing: 3 },
    },
    {
      name: 'signals and updates are steps, a signal wakes a task; the wait for them is other',
      events: new HistoryBuilder()
        .workflowStarted()
        .workflowTask(0, 1, 3)
        .signal('approve', 50)
        .workflowTask(50, 51, 52)
        .update('decide', 60, 64)
        .workflowTask(60, 61, 64)
        .completed(64),
      totalMs: 64,
      steps: [
        { label: 'workflow task' },
        { label: 'approve', kind: 'signal', startMs: 50, runMs: 0, outcome: 'received' },
        { label: 'workflow task after approve' },
        { label: 'decide', kind: 'update', startMs: 60, runMs: 4 },
        // An update arrives with its task, so nothing before the task names it.
        { label: 'workflow task #2' },
      ],
      categories: { workflowTaskQueue: 3, workflowTaskProcessing: 6, other: 55 },
    },
    {
      name: 'a local activity runs from its workflow task start to its marked completion',
      events: new HistoryBuilder()
        .workflowStarted()
        .workflowTask(0, 1, 15)
        .localActivity('lookup', 15, 13, 2)
        .completed(15),
      totalMs: 15,
      steps: [
        { label: 'workflow task', runMs: 14 },
        { label: 'lookup', kind: 'local-activity', startMs: 1, queueMs: 0, runMs: 12, attempt: 2 },
      ],
      categories: { localActivityRun: 12, workflowTaskQueue: 1, workflowTaskProcessing: 2 },
    },
    {
      name: 'an open workflow: its pending activity waits until the last event',
      events: open.signal('nudge', 40).events,
      totalMs: 40,
      closed: false,
      steps: [
        { label: 'workflow task' },
        { label: 'execute', queueMs: 37, runMs: 0, outcome: 'open' },
        { label: 'nudge', startMs: 40 },
      ],
      categories: { activityQueue: 37, workflowTaskQueue: 1, workflowTaskProcessing: 2 },
    },
  ];
})();

function assertStep(actual: StepTiming | undefined, expected: ExpectedStep, index: number): void {
  assert.ok(actual, `step ${index} (${expected.label}) is missing`);
  const { label, ...fields } = expected;
  assert.equal(stepLabel(actual), label, `step ${index}`);
  for (const [field, value] of Object.entries(fields))
    assert.equal(actual[field as keyof StepTiming], value, `step ${index} (${label}) ${field}`);
}

function categoryMs(breakdown: StepTimings, category: TimeCategory): number | undefined {
  return breakdown.categories.find((c) => c.category === category)?.ms;
}

describe('stepTimings', () => {
  for (const c of cases) {
    it(c.name, () => {
      const breakdown = stepTimings({ events: c.events });
      assert.equal(breakdown.totalMs, c.totalMs);
      assert.equal(breakdown.closed, c.closed ?? true);
      assert.equal(breakdown.steps.length, c.steps.length, breakdown.steps.map(stepLabel).join(', '));
      c.steps.forEach((expected, i) => assertStep(breakdown.steps[i], expected, i));
      for (const [category, ms] of Object.entries(c.categories))
        assert.equal(categoryMs(breakdown, category as TimeCategory), ms, category);
    });

    it(`${c.name}: the categories sum to the total`, () => {
      const breakdown = stepTimings(c.events);
      const sum = breakdown.categories.reduce((total, x) => total + x.ms, 0);
      assert.ok(Math.abs(sum - breakdown.totalMs) < 1e-9, `${sum} vs ${breakdown.totalMs}`);
      const shares = breakdown.categories.reduce((total, x) => total + x.share, 0);
      assert.ok(Math.abs(shares - 1) < 1e-9, `shares sum to ${shares}`);
    });
  }

  it('sums workflow tasks and activities, overlaps included', () => {
    const { workflowTasks, activities } = stepTimings(cases[4]!.events);
    assert.deepEqual(workflowTasks, { count: 2, queueMs: 3, runMs: 3 });
    assert.deepEqual(activities, { count: 2, queueMs: 6, runMs: 31 });
  });

  it('keeps sub-millisecond precision across a second boundary', () => {
    const events = new HistoryBuilder()
      .workflowStarted(999.25)
      .workflowTask(999.25, 999.5, 1000.125)
      .completed(1000.125);
    const [task] = stepTimings(events).steps;
    assert.equal(task?.queueMs, 0.25);
    assert.equal(task?.runMs, 0.625);
  });

  it('gives an empty breakdown for an empty history', () => {
    const breakdown = stepTimings({ events: [] });
    assert.equal(breakdown.totalMs, 0);
    assert.deepEqual(breakdown.steps, []);
  });
});

describe('renderStepTimings', () => {
  const text = renderStepTimings(stepTimings(cases[1]!.events));

  it('lists the steps in history order with their offsets, waits and runs', () => {
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^step\s+kind\s+start ms\s+queue ms\s+run ms\s+note$/);
    const verify = lines.find((l) => l.startsWith('verify'));
    assert.match(verify ?? '', /^verify\s+activity\s+3\.0\s+1500\.0\s+7\.0\s+attempt 3, failed$/);
    assert.ok(text.indexOf('verify') < text.indexOf('workflow task after verify'));
  });

  it('gives each category its share of the total', () => {
    assert.match(text, /activity queue wait\s+1500\.0\s+99\.2%/);
    assert.match(text, /other\/overhead\s+0\.0\s+0\.0%/);
    assert.match(text, /total 1512\.0 ms; 1 activities/);
  });
});
