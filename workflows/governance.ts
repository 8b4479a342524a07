import { condition, proxyActivities } from '@temporalio/workflow';
import { exclusiveSubjectOf, exclusiveSubjectOfPlan } from '../src/kinds/kinds';
import type { GovernorActivities } from '../activities/governor/governor-activities';
import type { GovernorAsk, GovernorReply, PermitAsk } from '../src/governor/ask';
import type { Hold } from '../src/governor/hold';
import { holdKeyword } from '../src/governor/hold';
import { proposalOnly } from '../src/governor/reroute';
import { grantInForce, underBreakGlass } from '../src/overrides/break-glass';
import type { ActiveOverrides } from '../src/overrides/active-overrides';
import { rrsetKey } from '../src/governor/scope';
import { hashOf } from '../src/hash';
import type { Plan } from '../src/plan/plan';
import { recordsTouched } from '../src/plan/plan';
import type { Decision } from '../src/policy/decision';
import type { ChangeRun } from './change-run';
import { recordEscalation, recordHold } from './change-metrics';

/**
 * The change workflow's side of the governors: ask before acting, wait visibly when told to, and
 * let go when closing. Asks go through an activity (a workflow cannot update another
 * workflow); a governor that cannot be reached keeps the change waiting, never lets it through.
 * Not a local activity: a local activity keeps its workflow task (and a worker slot) open, so a
 * storm of changes waiting on their governor would hold every slot the governor needs to answer.
 */
const governors = proxyActivities<GovernorActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Without a nudge, a waiting change asks again this often (a lost signal costs minutes, not a change). */
const pollMs = 5 * 60_000;

type AskBody = GovernorAsk extends infer A
  ? A extends GovernorAsk
    ? Omit<A, 'askId' | 'changeId' | 'target'>
    : never
  : never;

function askGovernors(run: ChangeRun, body: AskBody): Promise<GovernorReply> {
  run.asks += 1;
  const rec = run.recommendation;
  return governors.askGovernors({
    ...body,
    askId: `${run.workflowId}/${run.asks}`,
    changeId: run.workflowId,
    target: { tenant: rec.target.tenant, zone: rec.target.zone },
  });
}

/** What one write holds while it runs: an RRset, or a whole domain at the registry (its lock lift touches every aspect). */
function writeKey(plan: Plan): string {
  const subject = exclusiveSubjectOfPlan(plan);
  return rrsetKey(subject.name, subject.type);
}

function targetRrset(run: ChangeRun): string {
  const subject = exclusiveSubjectOf(run.recommendation);
  return rrsetKey(subject.name, subject.type);
}

/** Waits where a person can see it: the hold is on the card, in the evidence and a search attribute. */
async function holdOn(run: ChangeRun, hold: Hold, state: 'queued' | 'held', seen: number): Promise<void> {
  const changed = run.hold === null || holdKeyword(run.hold) !== holdKeyword(hold);
  run.hold = hold;
  if (hold.code === 'freeze') run.marks.add(`freeze:${hold.scope.replace(' ', ':')}`);
  if (changed) {
    recordHold(hold, state);
    run.record({ stream: 'decision', step: 'held', actor: 'governor', summary: hold.message, data: hold });
  }
  run.transition(state);
  // A budget frees at a known time; queues and locks move when the governor nudges.
  const until =
    hold.code === 'budget' && hold.resetsAt !== undefined && hold.resetsAt !== null
      ? Math.min(pollMs, Math.max(1000, Date.parse(hold.resetsAt) - Date.now() + 250))
      : pollMs;
  await condition(() => run.nudges !== seen, until);
}

function letGo(run: ChangeRun, summary: string): void {
  if (run.hold === null) return;
  run.record({ stream: 'decision', step: 'hold_released', actor: 'governor', summary, data: run.hold });
  run.hold = null;
}

/**
 * Admission: within the proposal budgets, or in the review queue until the window (or a person)
 * allows. True when it had to wait in a queue (what was staged before may be stale by now).
 */
export async function awaitAdmission(run: ChangeRun): Promise<boolean> {
  let waited = false;
  for (;;) {
    // Counted before asking: a nudge may arrive together with the answer that says to wait.
    const seen = run.nudges;
    const reply = await askGovernors(run, {
      op: 'admit',
      rrset: targetRrset(run),
      ...(run.overridesWithAdmission ? { withOverrides: true } : {}),
    });
    if (reply.verdict === 'go') {
      admittedWith(run, reply);
      return waited;
    }
    waited = true;
    await holdOn(run, reply.hold as Hold, 'queued', seen);
  }
}

/** What an admission brings: the overrides read while it was answered, and the governors' flags. */
function admittedWith(run: ChangeRun, reply: GovernorReply): void {
  letGo(run, 'admitted from the review queue');
  // A worker whose activities predate the read answers without them: they are read while staging.
  if (run.overridesWithAdmission && reply.overrides !== undefined) {
    noteOverrides(run, reply.overrides);
    run.overridesFromAdmission = true;
  }
  run.flags = [...reply.flags];
  if (run.flags.length > 0)
    run.record({
      stream: 'decision',
      step: 'flagged',
      actor: 'governor',
      summary: run.flags.map((f) => f.message).join('; '),
      data: run.flags,
    });
}

/**
 * An automatic change staged and checked before its admission asks for admission and the write's
 * permit at once: one round trip to the governors before the write instead of two. `queued`: it
 * waited in a review queue and is admitted now, without a permit (its plan is staged again).
 * `wait`: admitted, the permit must wait (a lock, a freeze); the caller checks the exceptions in
 * force first, then waits through `waitForPermit`. `ask`: admitted by a worker whose activities
 * predate the permit; the caller asks for it as before.
 */
export async function admitWithPermit(
  run: ChangeRun,
  plan: Plan,
): Promise<'go' | 'wait' | 'reroute' | 'queued' | 'ask'> {
  const seen = run.nudges;
  const reply = await askGovernors(run, {
    op: 'admit',
    rrset: targetRrset(run),
    withOverrides: true,
    permit: permitOf(run, plan, 'auto'),
  });
  // An activity that predates the permit answers as a plain admission (`admitted` absent).
  const plain = reply.admitted === undefined;
  if (plain ? reply.verdict !== 'go' : reply.admitted === false) {
    await holdOn(run, reply.hold as Hold, 'queued', seen);
    await awaitAdmission(run);
    return 'queued';
  }
  admittedWith(run, reply);
  if (plain) return 'ask';
  if (reply.verdict === 'go') return 'go';
  if (reply.verdict === 'reroute') {
    rerouted(run, reply);
    return 'reroute';
  }
  return 'wait';
}

/** The permit answered `wait` with the admission: asked again, it holds the change until granted. */
export async function waitForPermit(run: ChangeRun, plan: Plan): Promise<'waited' | 'reroute'> {
  // Whatever held it may have moved on already: the plan is compared again after any wait.
  return (await acquireExecution(run, plan, 'auto')) === 'reroute' ? 'reroute' : 'waited';
}

/** The decision as the governors' flags, any re-routing and a break-glass approval leave it. */
export function governed(run: ChangeRun, decision: Decision): Decision {
  const routed =
    !run.governed || (run.rerouted === null && run.flags.length === 0)
      ? decision
      : proposalOnly(decision, run.rerouted, run.flags);
  // A grant that ended no longer stands in for the second approver: the stricter decision returns.
  return grantInForce(run.breakGlass, Date.now()) ? underBreakGlass(routed, run.breakGlass) : routed;
}

/**
 * Before each policy check: the freezes, break-glass grants and exceptions in force in the
 * change's scopes. Exceptions go into the evaluation; the rest is shown on the card.
 */
export async function refreshOverrides(run: ChangeRun): Promise<void> {
  const rec = run.recommendation;
  noteOverrides(run, await governors.activeOverrides({ tenant: rec.target.tenant, zone: rec.target.zone }));
}

/** Keeps the overrides found; the evidence records them whenever they differ from the last found. */
function noteOverrides(run: ChangeRun, found: ActiveOverrides): void {
  const before = JSON.stringify(run.overrides);
  run.overrides = found;
  if (
    JSON.stringify(found) !== before &&
    (found.freezes.length > 0 || found.breakGlass.length > 0 || found.exceptions.length > 0)
  )
    run.record({
      stream: 'decision',
      step: 'overrides',
      actor: 'governor',
      summary: [
        ...found.freezes.map((f) => `${f.scope} frozen by ${f.by}: ${f.reason}`),
        ...found.breakGlass.map(
          (g) => `break-glass ${g.id} of ${g.holder} in ${g.scope} until ${g.expiresAt}`,
        ),
        ...found.exceptions.map((e) => `exception ${e.id} (${e.scope}) until ${e.expiresAt}`),
      ].join('; '),
      data: found,
    });
}

/** Marks the exceptions a decision names: they show on the card and in the search attribute. */
export function markExceptions(run: ChangeRun, decision: Decision): void {
  for (const r of decision.reasons)
    if (r.rule.startsWith('exception.')) run.marks.add(`exception:${r.rule.slice('exception.'.length)}`);
}

/** A signed approval from someone who holds break-glass in one of the change's scopes completes the request. */
export async function tryBreakGlass(run: ChangeRun, principal: string): Promise<void> {
  if (!run.governed || !run.overridesAware || run.approval.status !== 'pending') return;
  run.asks += 1;
  const rec = run.recommendation;
  const grant = await governors.useBreakGlass({
    askId: `${run.workflowId}/${run.asks}`,
    changeId: run.workflowId,
    principal,
    target: { tenant: rec.target.tenant, zone: rec.target.zone },
  });
  if (grant !== null && run.approval.status === 'pending') run.approveUnderBreakGlass(grant);
}

const digest = (rrset: Plan['before']) => hashOf(rrset);

/**
 * Permission to write `plan`: `go` (the RRset lock is held), `waited` (held now, after another
 * change wrote: re-stage first) or `reroute` (an automatic change must wait for approval instead).
 */
export async function acquireExecution(
  run: ChangeRun,
  plan: Plan,
  route: 'auto' | 'approved',
): Promise<'go' | 'waited' | 'reroute'> {
  let waited = false;
  for (;;) {
    const seen = run.nudges;
    const reply = await askGovernors(run, { op: 'acquire', ...permitOf(run, plan, route) });
    if (reply.verdict === 'go') {
      letGo(run, 'the governor let it proceed');
      return waited ? 'waited' : 'go';
    }
    if (reply.verdict === 'reroute') {
      rerouted(run, reply);
      return 'reroute';
    }
    waited = true;
    await holdOn(run, reply.hold as Hold, 'held', seen);
  }
}

function permitOf(run: ChangeRun, plan: Plan, route: 'auto' | 'approved'): PermitAsk {
  return {
    route,
    rrset: writeKey(plan),
    recordsTouched: recordsTouched(plan),
    before: digest(plan.before),
    after: digest(plan.after),
    // A freeze lets an incident's own remediation and a freeze-override approver's change through.
    ...(run.overridesAware
      ? {
          incident: run.recommendation.incidentId ?? null,
          approverRoles: run.approval.approvals.map((a) => a.roles ?? []),
        }
      : {}),
  };
}

/** An automatic change the governors send to people: the reason goes on the card and in the evidence. */
function rerouted(run: ChangeRun, reply: GovernorReply): void {
  const hold = reply.hold as Hold;
  letGo(run, 're-routed');
  run.rerouted = hold;
  recordHold(hold, 'rerouted');
  for (const flag of reply.flags)
    if (!run.flags.some((f) => f.kind === flag.kind && f.message === flag.message)) run.flags.push(flag);
  run.record({
    stream: 'decision',
    step: 'rerouted',
    actor: 'governor',
    summary: `proposal-only: ${hold.message}`,
    data: { hold, flags: run.flags },
  });
}

/**
 * An approval request opens: the governors list the change as waiting for people (by the roles
 * whose approval it needs; none: anyone may approve), and its RRset goes to whoever is next.
 */
export async function openReview(run: ChangeRun): Promise<void> {
  const roles = [...new Set((run.request?.roles ?? []).map((r) => r.role))].sort();
  await askGovernors(run, { op: 'review', roles });
}

/** Whether an escalation may go out; a held-back one is recorded with its reason. */
export async function escalationAllowed(run: ChangeRun, key: string): Promise<boolean> {
  const reply = await askGovernors(run, { op: 'escalate', key });
  if (reply.verdict !== 'suppressed') return true;
  recordHold(reply.hold as Hold, 'suppressed');
  recordEscalation('approval', 'suppressed');
  run.record({
    stream: 'operation',
    step: 'escalation_suppressed',
    actor: 'governor',
    summary: (reply.hold as Hold).message,
    data: reply.hold,
  });
  return false;
}

/** On every close path the governors learn the outcome: locks pass on, failures count. */
export async function releaseGovernors(run: ChangeRun): Promise<void> {
  // Refused before it ever asked (invalid input): no governor knows it, none is started for it.
  if (run.asks === 0) return;
  const state = run.state;
  const outcome =
    state === 'executed' && run.executionStarted
      ? 'executed'
      : run.executionStarted && (state === 'rolled_back' || state === 'failed')
        ? 'failed'
        : 'not_executed';
  const plan = run.plan;
  await askGovernors(run, {
    op: 'release',
    outcome,
    rrset: plan === null ? targetRrset(run) : writeKey(plan),
    before: digest(plan?.before ?? null),
    after: digest(plan?.after ?? null),
    summary: `${state}: ${run.outcome?.message ?? ''}`,
  });
}
