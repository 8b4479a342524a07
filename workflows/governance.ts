import { condition, proxyActivities } from '@temporalio/workflow';
import type { GovernorActivities } from '../activities/governor/governor-activities';
import type { GovernorAsk, GovernorReply } from '../src/governor/ask';
import type { Hold } from '../src/governor/hold';
import { holdKeyword } from '../src/governor/hold';
import { proposalOnly } from '../src/governor/reroute';
import { rrsetKey } from '../src/governor/scope';
import { hashOf } from '../src/hash';
import type { Plan } from '../src/plan/plan';
import { recordsTouched } from '../src/plan/plan';
import type { Decision } from '../src/policy/decision';
import type { ChangeRun } from './change-run';

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

function targetRrset(run: ChangeRun): string {
  const change = run.recommendation.change;
  return rrsetKey(change.name, 'type' in change ? change.type : 'ANY');
}

/** Waits where a person can see it: the hold is on the card, in the evidence and a search attribute. */
async function holdOn(run: ChangeRun, hold: Hold, state: 'queued' | 'held', seen: number): Promise<void> {
  const changed = run.hold === null || holdKeyword(run.hold) !== holdKeyword(hold);
  run.hold = hold;
  if (changed)
    run.record({ stream: 'decision', step: 'held', actor: 'governor', summary: hold.message, data: hold });
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

/** Admission: within the proposal budgets, or in the review queue until the window (or a person) allows. */
export async function awaitAdmission(run: ChangeRun): Promise<void> {
  for (;;) {
    // Counted before asking: a nudge may arrive together with the answer that says to wait.
    const seen = run.nudges;
    const reply = await askGovernors(run, { op: 'admit', rrset: targetRrset(run) });
    if (reply.verdict === 'go') {
      letGo(run, 'admitted from the review queue');
      run.flags = [...reply.flags];
      if (run.flags.length > 0)
        run.record({
          stream: 'decision',
          step: 'flagged',
          actor: 'governor',
          summary: run.flags.map((f) => f.message).join('; '),
          data: run.flags,
        });
      return;
    }
    await holdOn(run, reply.hold as Hold, 'queued', seen);
  }
}

/** The decision as the governors' flags and any re-routing leave it. */
export function governed(run: ChangeRun, decision: Decision): Decision {
  if (!run.governed || (run.rerouted === null && run.flags.length === 0)) return decision;
  return proposalOnly(decision, run.rerouted, run.flags);
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
    const reply = await askGovernors(run, {
      op: 'acquire',
      route,
      rrset: rrsetKey(plan.name, plan.type),
      recordsTouched: recordsTouched(plan),
      before: digest(plan.before),
      after: digest(plan.after),
    });
    if (reply.verdict === 'go') {
      letGo(run, 'the governor let it proceed');
      return waited ? 'waited' : 'go';
    }
    if (reply.verdict === 'reroute') {
      const hold = reply.hold as Hold;
      letGo(run, 're-routed');
      run.rerouted = hold;
      for (const flag of reply.flags)
        if (!run.flags.some((f) => f.kind === flag.kind && f.message === flag.message)) run.flags.push(flag);
      run.record({
        stream: 'decision',
        step: 'rerouted',
        actor: 'governor',
        summary: `proposal-only: ${hold.message}`,
        data: { hold, flags: run.flags },
      });
      return 'reroute';
    }
    waited = true;
    await holdOn(run, reply.hold as Hold, 'held', seen);
  }
}

/** An approval request opens: the governors list the change as waiting for people, and its RRset goes to whoever is next. */
export async function openReview(run: ChangeRun): Promise<void> {
  await askGovernors(run, { op: 'review' });
}

/** Whether an escalation may go out; a held-back one is recorded with its reason. */
export async function escalationAllowed(run: ChangeRun, key: string): Promise<boolean> {
  const reply = await askGovernors(run, { op: 'escalate', key });
  if (reply.verdict !== 'suppressed') return true;
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
    rrset: plan === null ? targetRrset(run) : rrsetKey(plan.name, plan.type),
    before: digest(plan?.before ?? null),
    after: digest(plan?.after ?? null),
    summary: `${state}: ${run.outcome?.message ?? ''}`,
  });
}
