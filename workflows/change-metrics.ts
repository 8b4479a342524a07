import { metricMeter } from '@temporalio/workflow';
import type { MetricCounter, MetricGauge, MetricHistogram, MetricTags } from '@temporalio/common';
import type { ChangeState } from '../src/change/states';
import type { Decision } from '../src/policy/decision';
import type { Hold } from '../src/governor/hold';
import type { GovernorState } from '../src/governor/governor-state';
import { awaitingApproval } from '../src/governor/governor-state';
import type { Scope } from '../src/governor/scope';
import type { Recommendation } from '../src/schema/recommendation';

/** What the metrics read of a change (ChangeRun has it). */
export interface MeasuredChange {
  readonly recommendation: Recommendation;
  readonly decision: Decision | null;
  readonly marks: ReadonlySet<string>;
}

/**
 * Countersign's domain metrics, emitted from workflow code through the Temporal SDK's meter: they
 * reach the worker's Prometheus endpoint beside the SDK's own metrics, and the SDK drops them
 * while a workflow replays, so each counts once. Every label is a bounded set (agent, model,
 * model version, kind, tier, route, outcome, role, scope, rule, event kind): never a change id, a
 * record name, a person or anything secret. The worker adds `namespace`, `taskQueue` and
 * `workflowType`.
 */
export const countersignMetrics = {
  proposed: {
    name: 'countersign_changes_proposed',
    type: 'counter',
    help: 'Recommendations submitted, by agent, model, model version and change kind.',
    labels: ['agent', 'model', 'model_version', 'kind'],
  },
  closed: {
    name: 'countersign_changes_closed',
    type: 'counter',
    help: 'Changes closed, by outcome (executed, rolled_back, rejected, blocked, expired, refused, stale, failed, cancelled), route, tier, agent, model, model version and kind.',
    labels: ['agent', 'model', 'model_version', 'kind', 'route', 'tier', 'outcome'],
  },
  approvalLatency: {
    name: 'countersign_approval_latency_seconds',
    type: 'histogram',
    help: 'Seconds from an approval request opening to its decision (approved or rejected), by tier.',
    labels: ['tier', 'decision'],
  },
  blocked: {
    name: 'countersign_blocked_changes',
    type: 'counter',
    help: 'Changes the policy blocked, by change kind and blocking rule.',
    labels: ['kind', 'rule'],
  },
  rollbacks: {
    name: 'countersign_rollbacks',
    type: 'counter',
    help: 'Rollbacks after a failed verification, by change kind and result (verified, stale, unverified).',
    labels: ['kind', 'result'],
  },
  overridden: {
    name: 'countersign_overridden_changes',
    type: 'counter',
    help: 'Closed changes that ran under or were held by an override (break-glass, exception, freeze), by override and outcome.',
    labels: ['override', 'outcome'],
  },
  escalations: {
    name: 'countersign_escalations',
    type: 'counter',
    help: 'Escalations to people, by kind (approval, verification, provider, lock, governor) and result (sent, failed, suppressed).',
    labels: ['kind', 'result'],
  },
  holds: {
    name: 'countersign_governor_holds',
    type: 'counter',
    help: 'Changes a governor held, queued, re-routed or whose escalation it suppressed, by scope, reason (budget, queue, lock, breaker, flapping, freeze) and limit; budget exhaustion is reason budget or queue.',
    labels: ['scope', 'reason', 'limit', 'effect'],
  },
  queueDepth: {
    name: 'countersign_queue_depth',
    type: 'gauge',
    help: 'Changes a governor\'s scope has waiting, by queue: admission (held by the proposals budget) or approval (waiting for people). role="any" is each queue\'s total; approval also has one series per role whose approval a waiting change needs (a change needing two roles counts under both).',
    labels: ['scope', 'queue', 'role'],
  },
  governorEvents: {
    name: 'countersign_governor_events',
    type: 'counter',
    help: 'Governor events by scope and kind: freezes, incidents, break-glass grants and uses, exceptions, breaker trips, refusals.',
    labels: ['scope', 'event'],
  },
} as const;

/** Approval latency buckets (seconds): from an on-call answer in a minute to a day-long wait. */
export const approvalLatencyBuckets = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400];

type Definition = (typeof countersignMetrics)[keyof typeof countersignMetrics];

// Instruments are made at first use, in workflow context: importing this module has no effect.
const made = new Map<string, MetricCounter | MetricHistogram | MetricGauge>();
function counter(d: Definition): MetricCounter {
  let m = made.get(d.name);
  if (m === undefined) made.set(d.name, (m = metricMeter.createCounter(d.name, undefined, d.help)));
  return m as MetricCounter;
}
function histogram(d: Definition): MetricHistogram {
  let m = made.get(d.name);
  if (m === undefined) made.set(d.name, (m = metricMeter.createHistogram(d.name, 'float', 's', d.help)));
  return m as MetricHistogram;
}
function gauge(d: Definition): MetricGauge {
  let m = made.get(d.name);
  if (m === undefined) made.set(d.name, (m = metricMeter.createGauge(d.name, 'int', undefined, d.help)));
  return m as MetricGauge;
}

/** A label value: at most 64 characters of a plain alphabet, so no input can forge exposition text. */
export function labelValue(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return 'none';
  return String(value)
    .slice(0, 64)
    .replace(/[^A-Za-z0-9._:@/+-]/g, '_');
}

function labels(tags: Record<string, string | number | undefined | null>): MetricTags {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, labelValue(v)]));
}

function source(run: MeasuredChange): MetricTags {
  const rec = run.recommendation;
  return labels({
    agent: rec.source.agent,
    model: rec.source.model,
    model_version: rec.source.modelVersion,
    kind: rec.change.kind,
  });
}

/** `zone:example.com.`, `tenant:acme`, `global`. */
function scopeLabel(scope: Scope): string {
  return scope.kind === 'global' ? 'global' : `${scope.kind}:${scope.name}`;
}

export function recordProposed(run: MeasuredChange): void {
  counter(countersignMetrics.proposed).add(1, source(run));
}

/** At close: the outcome, and what it says about blocks, rollbacks and overrides. */
export function recordClosed(run: MeasuredChange, state: ChangeState, code: string): void {
  const decision = run.decision;
  const kind = run.recommendation.change.kind;
  counter(countersignMetrics.closed).add(1, {
    ...source(run),
    ...labels({ route: decision?.route, tier: decision?.tier, outcome: state }),
  });
  if (state === 'blocked')
    for (const rule of new Set((decision?.reasons ?? []).map((r) => r.rule)))
      counter(countersignMetrics.blocked).add(1, labels({ kind, rule }));
  const rollback =
    state === 'rolled_back'
      ? 'verified'
      : code === 'rollback_stale'
        ? 'stale'
        : code === 'rollback_unverified'
          ? 'unverified'
          : null;
  if (rollback !== null) counter(countersignMetrics.rollbacks).add(1, labels({ kind, result: rollback }));
  for (const override of new Set([...run.marks].map((m) => m.split(':')[0])))
    counter(countersignMetrics.overridden).add(1, labels({ override, outcome: state }));
}

/** An approval request was decided; `openedAt` is when it opened (workflow time, ms). */
export function recordApprovalLatency(
  decision: Decision,
  verdict: 'approved' | 'rejected',
  openedAt: number,
): void {
  histogram(countersignMetrics.approvalLatency).record(
    Math.max(0, (Date.now() - openedAt) / 1000),
    labels({ tier: decision.tier, decision: verdict }),
  );
}

export function recordEscalation(kind: string | undefined, result: 'sent' | 'failed' | 'suppressed'): void {
  counter(countersignMetrics.escalations).add(1, labels({ kind: kind ?? 'approval', result }));
}

/** A governor's hold reached a change (counted once per distinct hold of that change). */
export function recordHold(hold: Hold, effect: 'queued' | 'held' | 'rerouted' | 'suppressed'): void {
  counter(countersignMetrics.holds).add(
    1,
    labels({
      // The hold names its scope for people (`zone example.com.`, `all changes`).
      scope: hold.scope === 'all changes' ? 'global' : hold.scope.replace(' ', ':'),
      reason: hold.code,
      limit: hold.limit,
      effect,
    }),
  );
}

export function recordGovernorEvent(scope: Scope, event: string): void {
  counter(countersignMetrics.governorEvents).add(1, labels({ scope: scopeLabel(scope), event }));
}

/** The `role` of a queue's total: every change in the queue, whatever roles it needs. */
const anyRole = 'any';

/**
 * The scope's queues as they stand now. `reported`: the roles this governor run has reported
 * (kept by the caller, updated here), so a role nobody waits for any more reads 0, not its last value.
 */
export function recordQueueDepth(state: GovernorState, reported: Set<string>): void {
  const scope = scopeLabel(state.scope);
  const depth = gauge(countersignMetrics.queueDepth);
  const { total, byRole } = awaitingApproval(state);
  depth.set(state.queue.length, labels({ scope, queue: 'admission', role: anyRole }));
  depth.set(total, labels({ scope, queue: 'approval', role: anyRole }));
  for (const role of byRole.keys()) reported.add(role);
  for (const role of reported) depth.set(byRole.get(role) ?? 0, labels({ scope, queue: 'approval', role }));
}
