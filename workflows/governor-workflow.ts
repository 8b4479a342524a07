import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { ApprovalActivities } from '../activities/approvals/approval-activities';
import type { ChangeActivities } from '../activities/change-activities';
import type { GovernorActivities } from '../activities/governor/governor-activities';
import { SignedDecision } from '../src/approvals/signed-decision';
import type { EvidenceEntry } from '../src/evidence/chain';
import { appendEvidence } from '../src/evidence/chain';
import { FailureType } from '../src/failures';
import type { Effect, GovernorState, Outcome } from '../src/governor/governor-state';
import {
  acquire,
  admit,
  admitWithPermit,
  dropVanished,
  escalate,
  holderChecked,
  humanAdmit,
  initialGovernorState,
  refundAutomatic,
  release,
  resetBreaker,
  returnPermit,
  tick,
  review,
} from '../src/governor/governor-state';
import {
  AcquireRequestSchema,
  AdmitRequestSchema,
  AdmitWithPermitRequestSchema,
  ChangeRefSchema,
  EscalateRequestSchema,
  HumanAdmitSchema,
  ReleaseRequestSchema,
  ReviewRequestSchema,
} from '../src/governor/protocol';
import type { Scope } from '../src/governor/scope';
import { describeScope, governorActionText } from '../src/governor/scope';
import type { ActiveOverrides } from '../src/overrides/active-overrides';
import { governorStatus } from '../src/governor/status';
import { hashOf } from '../src/hash';
import { admitMessage } from '../src/payloads/message-intake';
import {
  acquireUpdate,
  admitUpdate,
  admitWithPermitUpdate,
  escalateUpdate,
  governorStatusQuery,
  humanAdmitUpdate,
  refundAutomaticUpdate,
  releaseUpdate,
  resetBreakerUpdate,
  returnPermitUpdate,
  reviewUpdate,
} from './governor-messages';
import { governorNudgeSignal } from './messages';
import { overridesInForce, registerOverrideHandlers } from './governor-overrides';
import { recordEscalation, recordGovernorEvent, recordQueueDepth } from './change-metrics';

export interface GovernorInput {
  readonly scope: Scope;
  /** Carried over by continue-as-new: nothing the governor knows is kept anywhere else. */
  readonly carried?: {
    readonly state: GovernorState;
    readonly events: readonly EvidenceEntry[];
    readonly run: number;
  };
  /** Continue-as-new past this many history events (default 4,000; tests lower it). */
  readonly historyLimit?: number;
}

const activities = proxyActivities<GovernorActivities & Pick<ApprovalActivities, 'verifySignedDecision'>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 10 },
});
const notifier = proxyActivities<Pick<ChangeActivities, 'escalate'>>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 4 },
});

/** Signed governor actions issued a little in the future still count: clocks drift. */
const clockSkewMs = 60_000;
const eventsKept = 200;

/**
 * One scope's governor: a long-lived entity workflow holding the scope's budgets, review queue,
 * RRset locks and circuit breaker. Change workflows ask it by update before acting; it answers at
 * once and tells waiting changes (by signal) when to ask again. The rules are pure functions in
 * `src/governor`; this workflow keeps their state, their timers and their history short.
 */
export async function governorWorkflow(input: GovernorInput): Promise<void> {
  const state = input.carried?.state ?? initialGovernorState(input.scope);
  const events: EvidenceEntry[] = [...(input.carried?.events ?? [])];
  const run = (input.carried?.run ?? 0) + 1;
  const historyLimit = input.historyLimit ?? 4000;
  const pending: Effect[] = [];
  let touched = 0;
  /** Roles this run has reported a depth for (metrics only: a role that empties is set to 0). */
  const reportedRoles = new Set<string>();

  const apply = <A>(outcome: Outcome<A>): A => {
    pending.push(...outcome.effects);
    touched += 1;
    return outcome.answer;
  };
  const admitted = <T>(payload: unknown, schema: z.ZodType<T>, what: string): T => {
    const result = admitMessage(payload, schema);
    if (!result.ok)
      throw ApplicationFailure.create({
        type: FailureType.InvalidGovernorRequest,
        message: `${what} refused: ${result.refusal.message}`,
        nonRetryable: true,
      });
    return result.value;
  };

  // Defined before any handler: an update delivered with the start runs while handlers are being set.
  const record = (kind: string, actor: string, summary: string) => {
    events.push(appendEvidence(events, { stream: 'decision', step: kind, actor, summary }, new Date()));
    if (events.length > eventsKept) events.splice(0, events.length - eventsKept);
    recordGovernorEvent(state.scope, kind);
    log.info('governor event', { scope: describeScope(state.scope), kind, summary });
  };
  /** An admission carries the overrides in force here: the change's policy check needs them next. */
  const withOverrides = <A extends object>(answer: A): A & { overrides: ActiveOverrides } => ({
    ...answer,
    overrides: overridesInForce(state),
  });
  setHandler(admitUpdate, (p) =>
    withOverrides(apply(admit(state, admitted(p, AdmitRequestSchema, 'admit'), Date.now()))),
  );
  setHandler(acquireUpdate, (p) =>
    apply(acquire(state, admitted(p, AcquireRequestSchema, 'acquire'), Date.now())),
  );
  setHandler(admitWithPermitUpdate, (p) =>
    withOverrides(
      apply(
        admitWithPermit(
          state,
          admitted(p, AdmitWithPermitRequestSchema, 'admission with permit'),
          Date.now(),
        ),
      ),
    ),
  );
  setHandler(returnPermitUpdate, (p) =>
    apply(returnPermit(state, admitted(p, ChangeRefSchema, 'return of a permit').changeId, Date.now())),
  );
  setHandler(releaseUpdate, (p) =>
    apply(release(state, admitted(p, ReleaseRequestSchema, 'release'), Date.now())),
  );
  setHandler(reviewUpdate, (p) => {
    // `roles` is absent from changes started before it was sent: they wait for any approver.
    const { changeId, roles } = admitted(p, ReviewRequestSchema, 'review');
    return apply(review(state, changeId, Date.now(), roles));
  });
  setHandler(refundAutomaticUpdate, (p) =>
    apply(refundAutomatic(state, admitted(p, ChangeRefSchema, 'refund').changeId)),
  );
  setHandler(escalateUpdate, (p) =>
    apply(escalate(state, admitted(p, EscalateRequestSchema, 'escalate'), Date.now())),
  );
  setHandler(humanAdmitUpdate, async (p) => {
    const { changeId, signed } = admitted(p, HumanAdmitSchema, 'admit');
    const { principal: who } = await verifyHuman(signed, governorActionText({ admit: changeId }), []);
    return apply(humanAdmit(state, { changeId, principal: who, reason: signed.payload.reason }, Date.now()));
  });
  setHandler(resetBreakerUpdate, async (p) => {
    const signed = admitted(p, SignedDecision, 'reset');
    const { principal: who } = await verifyHuman(
      signed,
      governorActionText('reset'),
      state.limits?.breaker?.resetRoles ?? [],
    );
    return apply(resetBreaker(state, { principal: who, reason: signed.payload.reason }, Date.now()));
  });
  registerOverrideHandlers({
    state,
    apply,
    record: (kind, actor, summary) => record(kind, actor, summary),
    verifyHuman,
    overrideLimits: () => activities.overrideLimits(),
    verifyWebhook: (body, signature) => activities.verifyIncidentWebhook(body, signature),
  });
  setHandler(governorStatusQuery, () =>
    governorStatus(state, { workflowId: workflowInfo().workflowId, events, run }, Date.now()),
  );

  /**
   * A signed governor action: a known human with a registered key signed this governor and this
   * action, within its validity window, with a nonce not used before, holding a role that may act.
   * Returns who it was.
   */
  async function verifyHuman(
    signed: SignedDecision,
    action: string,
    roles: readonly string[],
    /** A review may be signed as a rejection; every other action is signed as an approval. */
    decisions: readonly ('approve' | 'reject')[] = ['approve'],
  ): Promise<{ principal: string; scopes?: readonly string[] }> {
    const p = signed.payload;
    const refuse = (message: string) =>
      ApplicationFailure.create({ type: FailureType.GovernorActionRefused, message, nonRetryable: true });
    if (p.reason.trim() === '') throw refuse('a reason is required (--reason)');
    if (!decisions.includes(p.decision) || p.planHash !== hashOf(action))
      throw refuse('the signature is for another governor action');
    const verified = await activities.verifySignedDecision(signed, workflowInfo().workflowId);
    if (!verified.ok) throw refuse(verified.message);
    const now = Date.now();
    if (now < Date.parse(p.issuedAt) - clockSkewMs || now > Date.parse(p.expiresAt))
      throw refuse('the signature is outside its validity window; sign again');
    if (state.nonces.some((n) => n.nonce === p.nonce)) throw refuse('this signed action was already used');
    if (roles.length > 0 && !verified.roles.some((r) => roles.includes(r)))
      throw refuse(`${verified.principal} holds none of the roles that may do this: ${roles.join(', ')}`);
    state.nonces.push({ nonce: p.nonce, until: Date.parse(p.expiresAt) + clockSkewMs });
    return {
      principal: verified.principal,
      ...(verified.scopes === undefined ? {} : { scopes: verified.scopes }),
    };
  }

  async function carryOut(effect: Effect): Promise<void> {
    switch (effect.kind) {
      case 'event':
        record(effect.event.kind, effect.event.actor, effect.event.summary);
        return;
      case 'nudge':
        try {
          await getExternalWorkflowHandle(effect.changeId).signal(governorNudgeSignal);
        } catch (err) {
          // The change no longer runs (terminated, timed out): nothing waits for it.
          log.warn('a waiting change could not be told', { changeId: effect.changeId, error: String(err) });
          apply(dropVanished(state, effect.changeId, Date.now()));
        }
        return;
      case 'check_holder': {
        let running = true;
        try {
          running = await activities.isChangeRunning(effect.changeId);
        } catch (err) {
          // Uncertain: keep the lock (fail closed); the next lease end asks again.
          if (!(err instanceof ActivityFailure)) throw err;
        }
        apply(holderChecked(state, { changeId: effect.changeId, rrset: effect.rrset, running }, Date.now()));
        return;
      }
      case 'escalate':
        try {
          await notifier.escalate({
            kind: 'governor',
            workflowId: workflowInfo().workflowId,
            stage: 1,
            notify: effect.notify,
            what: effect.what,
            why: effect.why,
            risk: effect.risk ?? 'automatic changes in this scope wait for approval until the breaker closes',
            riskOfWaiting:
              effect.risk === undefined
                ? 'remediation in this scope needs a person for every change'
                : 'for people to know and act on; it is also in the governor evidence',
            whoCanDecide: 'a human approver (the policy may name roles)',
            howToDecide:
              effect.howToDecide ??
              `countersign governor status; countersign governor reset <scope> --key <key file> --reason "..."`,
            expiresAt: new Date().toISOString(),
          });
          recordEscalation('governor', 'sent');
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          recordEscalation('governor', 'failed');
          record('escalation_failed', 'countersign', err.cause?.message ?? err.message);
        }
        return;
    }
  }

  // Temporal also caps the updates one run accepts (history.maxTotalUpdates, 2,000 by default).
  const updatesPerRun = 1500;
  const tooLong = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength > historyLimit ||
    touched > updatesPerRun;
  for (;;) {
    const { nextAt } = apply(tick(state, Date.now()));
    recordQueueDepth(state, reportedRoles);
    while (pending.length > 0) await carryOut(pending.shift() as Effect);
    if (tooLong()) {
      // Updates in flight finish in this run; their effects are carried out before moving on.
      await condition(allHandlersFinished);
      while (pending.length > 0) await carryOut(pending.shift() as Effect);
      // The next run knows only the roles still waiting: the depths it takes over must be current.
      recordQueueDepth(state, reportedRoles);
      await continueAsNew<typeof governorWorkflow>({
        scope: state.scope,
        carried: { state, events, run },
        historyLimit,
      });
    }
    const seen = touched;
    const wait = nextAt === null ? undefined : Math.max(1, nextAt - Date.now());
    await condition(() => touched !== seen || pending.length > 0 || tooLong(), wait);
  }
}
