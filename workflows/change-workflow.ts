import { changeTitle, isReversible, portOf, verificationOf } from '../src/kinds/kinds';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  isCancellation,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChangeActivities, EscalationPayload, VerifyResult } from '../activities/change-activities';
import type { SealRequestActivities } from '../activities/evidence/seal-request';
import type { VerificationVerdict } from '../src/verification/verdict';
import { formatDuration } from '../src/policy/duration';
import type { ChangeResult } from '../src/change/view';
import { writeSummary } from '../src/change/write-summary';
import { FailureType, nonRetryableFailureTypes } from '../src/failures';
import { admitMessage } from '../src/payloads/message-intake';
import { ChangeInputEnvelope, maxChangeInputBytes } from '../src/schema/change-input';
import type { Plan } from '../src/plan/plan';
import { invertPlan } from '../src/plan/plan';
import { reconcile } from '../src/policy/reconcile';
import type { Decision } from '../src/policy/decision';
import { reasonSentence } from '../src/policy/reason-sentence';
import { describeTier } from '../src/policy/decision';
import type { Recommendation } from '../src/schema/recommendation';
import { ChangeRun } from './change-run';
import { LockGuard } from './lock-guard';
import { liftPlanOf } from '../src/kinds/guard';
import type { ChangeState } from '../src/change/states';
import { approversStillValid, registerApprovalHandlers } from './approval-handlers';
import { evidenceQuery, governorNudgeSignal, stateQuery } from './messages';
import {
  acquireExecution,
  admitWithPermit,
  awaitAdmission,
  escalationAllowed,
  governed,
  markExceptions,
  releaseGovernors,
  openReview,
  refreshOverrides,
  waitForPermit,
} from './governance';
import { recordApprovalLatency, recordEscalation, recordProposed } from './change-metrics';
import { grantInForce, underBreakGlass } from '../src/overrides/break-glass';

export interface ChangeInput {
  readonly recommendation: Recommendation;
  /** How often a plan may be re-staged because live state moved before giving up as `stale`. */
  readonly maxRestages?: number;
}

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 8,
  nonRetryableErrorTypes: nonRetryableFailureTypes,
};
const io = proxyActivities<ChangeActivities>({ startToCloseTimeout: '30s', retry });
// Verification retries give secondaries time to catch up; exhausting them triggers the rollback.
const dns = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '20s',
  retry: { ...retry, initialInterval: '500ms', maximumInterval: '4s', maximumAttempts: 5 },
});

/**
 * The short steps that only validate, evaluate the policy or read live state run as local
 * activities: in the worker already running the workflow task, without a round trip through the
 * task queue and another workflow task each (such round trips were half of an automatic change's
 * time). Writes, verification (which waits on secondaries) and anything that asks a governor stay
 * ordinary activities: visible on their own in the history, and never holding a workflow task.
 */
const reads = proxyLocalActivities<ChangeActivities>({ startToCloseTimeout: '30s', retry });

/** A read retried once in the worker; past that, as an ordinary activity (see `visibleRetries`). */
const readsOnce = proxyLocalActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumAttempts: 2 },
});

type ReadSteps = Pick<ChangeActivities, 'validate' | 'classify' | 'stage' | 'check'>;

/**
 * A local activity's retries show nowhere outside the worker: not in the change's history, not
 * in Temporal's pending activities, so `countersign doctor` and the UI see a change that keeps
 * failing (a broken policy, an unreachable PowerDNS) as one that runs. A read that failed twice in
 * the worker is therefore retried as an ordinary activity, whose attempts and last failure
 * Temporal shows. A failure that no retry can help (invalid input) ends the change at once.
 */
function visibleRetries(): ReadSteps {
  const step =
    <A extends unknown[], R>(local: (...args: A) => Promise<R>, remote: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await local(...args);
      } catch (err) {
        // Retries spent in the worker reach the workflow as the activity's own failure, not
        // always wrapped in an ActivityFailure.
        const cause = err instanceof ActivityFailure ? err.cause : err;
        const final =
          cause instanceof ApplicationFailure &&
          (cause.nonRetryable || (nonRetryableFailureTypes as readonly string[]).includes(cause.type ?? ''));
        // A timeout or a failure spent retrying is retried visibly; invalid input and cancellation end here.
        if (!(err instanceof TemporalFailure) || isCancellation(err) || final) throw err;
        return remote(...args);
      }
    };
  return {
    validate: step(readsOnce.validate, io.validate),
    classify: step(readsOnce.classify, io.classify),
    stage: step(readsOnce.stage, io.stage),
    check: step(readsOnce.check, io.check),
  };
}
const retriedVisibly = visibleRetries();

/** Where a change's read-only steps run: locally on the fast path, else as recorded before it. */
const readsOf = (run: ChangeRun): ReadSteps =>
  run.fastPath ? (run.readsRetryVisibly ? retriedVisibly : reads) : io;

const sealing = proxyActivities<SealRequestActivities>({ startToCloseTimeout: '30s', retry });

// Escalations are worth a few quick retries, not minutes: waiting for a decision must go on.
const notifier = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '15s',
  retry: { ...retry, initialInterval: '500ms', maximumInterval: '4s', maximumAttempts: 4 },
});

/** One AI recommendation, from submission to a verified change (or a reasoned refusal). */
export async function changeWorkflow(input: ChangeInput): Promise<ChangeResult> {
  // Patches asked right after a local activity's result are asked here first, in the first
  // workflow task: asked only there, the marker could land in another workflow task on replay
  // than when it was recorded (a local activity's result reaching the workflow one task later,
  // seen with SDK 1.24 as a nondeterminism error on replay). Histories that recorded a marker at
  // its old place answer false here and true there.
  const sealingAtStart = patched('sealed-evidence');
  const askedAtStart: PatchesAtStart = {
    recheck: patched('recheck-policy-before-execute'),
    checkedOnce: patched('auto-route-checked-once'),
    permitWithAdmission: patched('permit-with-admission'),
  };
  const announcesRequests = patched('announce-approval-requests');
  const announcesWhileWaiting = patched('announce-while-waiting');
  const overridesWithAdmission = patched('overrides-with-admission');
  const admitted = admitMessage(input, ChangeInputEnvelope, maxChangeInputBytes);
  if (!admitted.ok) {
    // Not a change at all (a client that skipped the SDK): fail the workflow with the reason, no retries.
    throw ApplicationFailure.create({
      type: FailureType.InvalidRecommendation,
      message: `workflow input refused: ${admitted.refusal.message}`,
      details: [admitted.refusal.data],
      nonRetryable: true,
    });
  }
  // Decided once, at the start, so a workflow keeps one approval model for its whole life.
  const run = new ChangeRun(workflowInfo().workflowId, input.recommendation, patched('verified-approvals'));
  setHandler(stateQuery, () => run.view());
  setHandler(evidenceQuery, () => run.evidence);
  // Decided once, like the approval model: a change is governed for its whole life or not at all.
  run.governed = patched('governor');
  // Likewise for freezes, break-glass and exceptions, which the governors keep.
  run.overridesAware = run.governed && patched('overrides');
  run.fastPath = patched('local-reads');
  run.announcesRequests = announcesRequests;
  run.announcesWhileWaiting = announcesWhileWaiting;
  run.overridesWithAdmission = run.overridesAware && run.fastPath && overridesWithAdmission;
  // Introduced with the permit asked at admission: changes started before retry their reads locally.
  run.readsRetryVisibly = askedAtStart.permitWithAdmission;
  setHandler(governorNudgeSignal, () => {
    run.nudges += 1;
  });
  registerApprovalHandlers(run);

  const rec = input.recommendation;
  run.record({
    stream: 'decision',
    step: 'submitted',
    actor: rec.source.agent,
    summary: `${changeTitle(rec)} proposed with confidence ${rec.confidence}`,
    data: { recommendation: rec },
  });
  recordProposed(run);

  try {
    await govern(run, input, askedAtStart);
  } catch (err) {
    if (isCancellation(err)) {
      // Cancellation can only land before execution starts: execution onwards is non-cancellable.
      run.close('cancelled', 'cancelled', 'the workflow was cancelled before anything was written');
    } else if (err instanceof ActivityFailure) {
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      const code = cause?.type ?? 'ActivityFailure';
      // A provider outage that outlasted every retry needs a person: whether the write landed is unknown.
      if (code === FailureType.ProviderUnavailable && patched('escalate-provider-outage'))
        await CancellationScope.nonCancellable(() =>
          escalateProviderOutage(run, cause?.message ?? err.message),
        );
      // A domain left unlocked on the way overrides this ending (ChangeRun.close).
      run.close(code === 'InvalidRecommendation' ? 'refused' : 'failed', code, cause?.message ?? err.message);
    } else {
      throw err;
    }
  }
  // Closing work runs even when the workflow is being cancelled: the outcome must reach the evidence.
  return CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    // Their outcome belongs in the evidence the result carries.
    await Promise.all(run.notices);
    const result = run.result();
    const exported = async () => {
      try {
        await io.exportEvidence(result);
      } catch (err) {
        // The bundle is also the workflow's result: a failed export must not turn a finished change into a failure.
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('evidence export failed; the bundle remains in the workflow result', { error: err.message });
      }
    };
    // Sealing (a signed bundle anchored in the deployment's ledger) happens after the change has
    // closed, from its history: the change only asks for it. A failed ask leaves it unsealed,
    // which `countersign audit` shows; it must not fail a finished change.
    const sealRequested = async () => {
      if (!(sealingAtStart || patched('sealed-evidence'))) return;
      try {
        await sealing.requestSeal();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('asking the evidence ledger to seal this change failed', { error: err.message });
      }
    };
    // The governors learn the outcome while the bundle is written: neither waits for the other.
    await Promise.all([
      run.governed ? releaseGovernors(run) : Promise.resolve(),
      exported(),
      sealRequested(),
    ]);
    return result;
  });
}

/** Patches answered in the first workflow task (see changeWorkflow). */
interface PatchesAtStart {
  readonly recheck: boolean;
  readonly checkedOnce: boolean;
  readonly permitWithAdmission: boolean;
}

async function govern(run: ChangeRun, input: ChangeInput, atStart: PatchesAtStart): Promise<void> {
  run.transition('validating');
  const rec = await readsOf(run).validate(input.recommendation);
  run.recommendation = rec;

  run.transition('classifying');
  // A change that may run automatically is staged and checked first, then asks for admission and
  // the write's permit at once (one round trip to the governors before the write, not two).
  let permitWithAdmission = run.governed && run.overridesWithAdmission && atStart.permitWithAdmission;
  // Otherwise admission only needs the validated recommendation: it is asked while the policy classifies.
  const admission = run.governed && !permitWithAdmission ? awaitAdmission(run) : Promise.resolve();
  let classified: Decision;
  try {
    classified = await readsOf(run).classify(rec);
  } catch (err) {
    // The change ends here; whatever the governors answer no longer matters.
    admission.catch(() => undefined);
    throw err;
  }
  run.decision = classified;
  run.record({
    stream: 'decision',
    step: 'classified',
    actor: 'policy',
    summary: `${describeTier(classified.tier)} under ${classified.policyVersion}`,
    data: classified,
  });
  await admission;

  const maxRestages = input.maxRestages ?? 3;
  let restages = 0;
  /** Live state moved under the plan: approvals go, the change is re-staged; true once that happened too often. */
  const restaged = (why: string): boolean => {
    run.voidRequest(why);
    restages += 1;
    return restages > maxRestages;
  };
  for (;;) {
    run.transition('staging');
    // The check below needs the overrides: those the admission brought for the first check, else
    // (on the fast path) read while staging.
    const fromAdmission = run.overridesFromAdmission;
    run.overridesFromAdmission = false;
    const overridesRead =
      run.fastPath && run.overridesAware && !fromAdmission && !permitWithAdmission
        ? refreshOverrides(run)
        : null;
    const [staged] = await Promise.all([readsOf(run).stage(rec), overridesRead]);
    if (!staged.ok) return run.close('refused', staged.code, staged.message);
    const plan = staged.plan;
    run.plan = plan;
    run.record({
      stream: 'operation',
      step: 'staged',
      actor: 'countersign',
      summary: `${plan.operation} plan ${plan.hash.slice(0, 16)}`,
      data: plan,
    });

    run.transition('checking');
    /** The write's permit, when it came with the admission. */
    let early: 'go' | 'wait' | 'reroute' | null = null;
    let decision: Decision;
    if (permitWithAdmission) {
      permitWithAdmission = false;
      // Checked without the exceptions in force (they come with the admission): a decision to
      // run automatically asks for the permit with the admission; any other waits for admission.
      const unexcepted = governed(
        run,
        await readsOf(run).check(rec, classified, plan, staged.zoneRecords, []),
      );
      if (unexcepted.route === 'auto') {
        const answer = await admitWithPermit(run, plan);
        // Admitted after waiting in a review queue: staged again on what is live now.
        if (answer === 'queued') continue;
        early = answer === 'ask' ? null : answer;
      } else if (await awaitAdmission(run)) continue;
      run.overridesFromAdmission = false;
      // An exception may tighten or loosen the decision: with one in force the plan is checked
      // again. A decision that is no longer automatic gives the permit back (the review or the
      // release does), and the flags the governors raised route it like any other.
      decision =
        unexcepted.route === 'auto' &&
        run.overrides.exceptions.length === 0 &&
        run.flags.length === 0 &&
        run.rerouted === null
          ? unexcepted
          : governed(run, await checkPolicy(run, rec, classified, plan, staged.zoneRecords, true));
      if (decision.route !== 'auto') early = null;
    } else
      decision = governed(
        run,
        await checkPolicy(
          run,
          rec,
          classified,
          plan,
          staged.zoneRecords,
          overridesRead !== null || fromAdmission,
        ),
      );
    const checkedAt = Date.now();
    run.decision = decision;
    run.record({
      stream: 'decision',
      step: 'checked',
      actor: 'policy',
      summary: `${describeTier(decision.tier)}, route ${decision.route}`,
      data: decision,
    });

    if (decision.route === 'blocked')
      return run.close(
        'blocked',
        'policy',
        decision.reasons.map((r) => `${r.rule}: ${r.message}`).join('; '),
      );
    if (decision.route === 'approval' && !(await awaitApprovals(run, plan, decision))) return;
    // Approved by a break-glass holder: one approver, no cooling-off, for as long as the grant lasts.
    if (grantInForce(run.breakGlass, Date.now())) decision = underBreakGlass(decision, run.breakGlass);
    if (decision.route === 'auto' && decision.notify) {
      await io.notify({
        kind: 'auto_execute',
        tier: String(decision.tier),
        summary: `executing ${run.workflowId} automatically: ${plan.operation} ${plan.name} ${plan.type}`,
      });
    }
    // An automatic change decided moments ago (nothing waited on a person; a notification retried
    // through a worker crash can take longer): checking again now would read the same policy and
    // overrides, and a freeze declared meanwhile still stops it at the governors' acquire. Changes
    // started before this re-check as they did.
    const decidedJustNow =
      decision.route === 'auto' &&
      Date.now() - checkedAt < 5000 &&
      (atStart.checkedOnce || patched('auto-route-checked-once'));
    if ((atStart.recheck || patched('recheck-policy-before-execute')) && !decidedJustNow) {
      const rechecked = await recheckPolicy(run, rec, classified, plan, staged.zoneRecords, decision);
      if (rechecked === null) return;
      decision = rechecked;
      // Approved after all: the review gave the permit back, the approved change asks for its own.
      if (decision.route !== 'auto') early = null;
    }
    if (run.verifiedApprovals && approvalsLapsed(run, decision)) {
      // The request asks again: re-staged, fresh approvals for whatever the plan is now.
      run.voidRequest(
        `approvals lapsed: execution did not start within ${decision.executionWindowSeconds} s of the final approval`,
      );
      continue;
    }
    if (!isAuthorised(run, plan, decision)) {
      return run.close(
        'failed',
        'unauthorised',
        'execution was reached without approvals for this plan; nothing was written (this is a bug)',
      );
    }

    if (run.governed) {
      const permit =
        early === 'wait'
          ? await waitForPermit(run, plan)
          : (early ?? (await acquireExecution(run, plan, decision.route === 'auto' ? 'auto' : 'approved')));
      // Re-routed to approval: the next round re-stages and the decision becomes a proposal.
      if (permit === 'reroute') continue;
      if (permit === 'waited') {
        if (run.verifiedApprovals && approvalsLapsed(run, decision)) {
          run.voidRequest(
            `approvals lapsed while waiting to execute (RRset lock, budget or freeze): execution did not start within ${decision.executionWindowSeconds} s of the final approval`,
          );
          continue;
        }
        // Another change held the RRset: what it left may not be what this plan was made against.
        const again = await readsOf(run).stage(rec);
        if (!again.ok || again.plan.hash !== plan.hash) {
          if (decision.route === 'approval')
            run.voidRequest('another change wrote this RRset first; the change is re-staged on what it left');
          continue;
        }
      }
    }

    run.transition('executing');
    // A registry lock that forbids the write is lifted for it and put back after, whatever happens.
    const lift = liftPlanOf(plan);
    const locks =
      lift === null ? null : new LockGuard(run, lift, (problem) => escalateUnlocked(run, problem));
    if (locks !== null && !(await CancellationScope.nonCancellable(() => locks.lift()))) {
      if (run.leftUnlocked)
        return run.close(
          'stale',
          'live_state_moved',
          "the domain's locks moved while this change lifted them",
        );
      if (
        restaged(
          "the domain's locks changed since the plan was made; approvals are void and the change is re-staged",
        )
      )
        return run.close(
          'stale',
          'live_state_moved',
          `live state moved ${restages} times; nothing was written`,
        );
      continue;
    }
    // From the first write on, the change runs to a verified or rolled-back end, whatever cancels.
    const executed = await CancellationScope.nonCancellable(
      () => locks?.around(() => io.execute(plan)) ?? io.execute(plan),
    );
    // Evidence names who wrote what is live (an answer lost after the write is still this change's).
    const authorship = patched('write-authorship');
    run.record({
      stream: 'operation',
      step: `execute_${executed.outcome}`,
      actor: 'countersign',
      summary: authorship ? writeSummary('execute', executed) : `execute: ${executed.outcome}`,
      data: {
        planHash: plan.hash,
        live: executed.live,
        ...(executed.outcome !== 'stale' && executed.receipts !== undefined
          ? { receipts: executed.receipts }
          : {}),
        ...(authorship && executed.outcome === 'applied' && executed.acknowledgementLost !== undefined
          ? { acknowledgementLost: executed.acknowledgementLost }
          : {}),
      },
    });
    if (executed.outcome === 'stale') {
      if (locks !== null && !(await CancellationScope.nonCancellable(() => locks.restore())))
        return run.close(
          'failed',
          'left_unlocked',
          'live state moved after the locks were lifted; nothing was written, but the registry lock could not be put back: the domain is unlocked, and people were alerted',
        );
      if (
        restaged('live state changed since the plan was made; approvals are void and the change is re-staged')
      )
        return run.close(
          'stale',
          'live_state_moved',
          `live state moved ${restages} times; nothing was written`,
        );
      continue;
    }
    return CancellationScope.nonCancellable(() =>
      locks === null
        ? verifyOrRollBack(run, plan, executed.outcome === 'applied')
        : locks.around(() =>
            verifyOrRollBack(run, plan, executed.outcome === 'applied', () => locks.restore()),
          ),
    );
  }
}

/** The policy over the staged plan, with the exceptions in force in the change's scopes. */
async function checkPolicy(
  run: ChangeRun,
  rec: Recommendation,
  classified: Decision,
  plan: Plan,
  zoneRecords: number | undefined,
  overridesFresh = false,
): Promise<Decision> {
  const steps = readsOf(run);
  if (!run.overridesAware) return steps.check(rec, classified, plan, zoneRecords);
  if (!overridesFresh) await refreshOverrides(run);
  const decision = await steps.check(rec, classified, plan, zoneRecords, run.overrides.exceptions);
  markExceptions(run, decision);
  return decision;
}

/**
 * Evaluates the current policy once more before anything is written. A stricter result applies:
 * it may block the change, or ask for more approvals (those already counted still count) and a
 * new cooling-off. Returns the decision to execute under, or null when the change was closed.
 */
async function recheckPolicy(
  run: ChangeRun,
  rec: Recommendation,
  classified: Decision,
  plan: Plan,
  zoneRecords: number | undefined,
  decided: Decision,
): Promise<Decision | null> {
  let decision = decided;
  for (;;) {
    const current = governed(run, await checkPolicy(run, rec, classified, plan, zoneRecords));
    const outcome = reconcile(
      decision,
      current,
      run.approval.approvals.map((a) => a.roles),
    );
    run.record({
      stream: 'decision',
      step: 'policy_rechecked',
      actor: 'policy',
      summary: `${outcome.action}: ${describeTier(current.tier)} under ${current.policyVersion}${current.policyHash === decision.policyHash ? '' : ` (was ${decision.policyVersion})`}`,
      data: {
        action: outcome.action,
        decidedUnder: { version: decision.policyVersion, hash: decision.policyHash },
        current,
      },
    });
    if (outcome.action === 'proceed') {
      run.decision = outcome.decision;
      if (!run.verifiedApprovals || outcome.decision.route !== 'approval') return outcome.decision;
      if (await approversStillValid(run, outcome.decision)) return outcome.decision;
      if (!(await awaitApprovals(run, plan, outcome.decision, { keepApprovals: true }))) return null;
      decision = outcome.decision;
      continue;
    }
    run.decision = outcome.decision;
    if (outcome.action === 'block') {
      run.close(
        'blocked',
        'policy_changed',
        outcome.decision.reasons.map((r) => `${r.rule}: ${r.message}`).join('; '),
      );
      return null;
    }
    if (!(await awaitApprovals(run, plan, outcome.decision, { keepApprovals: true }))) return null;
    decision = outcome.decision;
  }
}

/** Past the execution window after the final approval (and its cooling-off), approvals no longer authorise anything. */
function approvalsLapsed(run: ChangeRun, decision: Decision): boolean {
  return (
    decision.route === 'approval' &&
    run.executionAllowedAt !== null &&
    Date.now() > run.executionAllowedAt + decision.executionWindowSeconds * 1000
  );
}

/** Invariant 1, checked where it matters: nothing reaches the provider without its authorisation. */
function isAuthorised(run: ChangeRun, plan: Plan, decision: Decision): boolean {
  if (decision.route === 'auto') return true;
  return (
    decision.route === 'approval' && run.request?.planHash === plan.hash && run.approval.status === 'approved'
  );
}

async function awaitApprovals(
  run: ChangeRun,
  plan: Plan,
  decision: Decision,
  options: { keepApprovals?: boolean } = {},
): Promise<boolean> {
  run.openRequest(plan, decision, options.keepApprovals === true);
  run.transition('awaiting_approval');
  // The card shows the new request at once; then the governors hear of it (and its lock passes on).
  if (run.governed) await openReview(run);
  const request = run.request;
  if (request === null) return false;
  run.executionAllowedAt = null;
  const decided = run.verifiedApprovals
    ? await waitWithEscalation(run, decision, request.expiresAt)
    : await condition(() => run.approval.status !== 'pending', Math.max(0, request.expiresAt - Date.now()));
  if (!decided) {
    run.close(
      'expired',
      'approval_expired',
      `no decision within ${decision.approvalExpirySeconds} s; rejected (fail closed)`,
    );
    return false;
  }
  const rejection = run.approval.rejection;
  const openedAt = request.expiresAt - decision.approvalExpirySeconds * 1000;
  recordApprovalLatency(decision, rejection === undefined ? 'approved' : 'rejected', openedAt);
  if (rejection !== undefined) {
    run.close('rejected', 'rejected', `rejected by ${rejection.principal}: ${rejection.reason}`);
    return false;
  }
  if (decision.coolingOffSeconds > 0 && run.breakGlass === null) {
    run.coolingOffUntil = Date.now() + decision.coolingOffSeconds * 1000;
    run.record({
      stream: 'decision',
      step: 'cooling_off',
      actor: 'countersign',
      summary: `cooling-off for ${decision.coolingOffSeconds} s; any approver may veto`,
      data: { until: new Date(run.coolingOffUntil).toISOString() },
    });
    run.transition('cooling_off');
    const vetoed = await condition(() => run.veto !== null, decision.coolingOffSeconds * 1000);
    run.coolingOffUntil = null;
    if (vetoed && run.veto !== null) {
      run.close(
        'rejected',
        'vetoed',
        `vetoed by ${run.veto.principal} during cooling-off: ${run.veto.reason}`,
      );
      return false;
    }
  }
  run.executionAllowedAt = Date.now();
  return true;
}

/**
 * Waits for a decision until the request expires, escalating at each of the policy's stages that
 * falls before expiry: the log and the notifier webhook get what waits, why, the risk of waiting,
 * who can decide and how. A failed notification is recorded; it never decides the change.
 */
async function waitWithEscalation(run: ChangeRun, decision: Decision, expiresAt: number): Promise<boolean> {
  const openedAt = Date.now();
  const decided = () => run.approval.status !== 'pending';
  const stages = [...decision.escalation]
    .sort((a, b) => a.afterSeconds - b.afterSeconds)
    .filter((stage) => openedAt + stage.afterSeconds * 1000 < expiresAt);
  if (run.announcesRequests) {
    // The people who can decide hear of the request when it opens, not only when it has waited.
    const roles = [...new Set(decision.approvals.roles.map((r) => r.role))];
    const payload = {
      ...escalationPayload(run, decision, 0, roles.length === 0 ? ['approvers'] : roles, expiresAt),
      kind: 'request' as const,
    };
    const summary = `approval requested from ${payload.notify.join(', ')}`;
    if (run.announcesWhileWaiting) run.notices.push(noticeInBackground(run, payload, summary));
    else await sendEscalation(run, payload, summary);
  }
  for (const [index, stage] of stages.entries()) {
    if (await condition(decided, Math.max(0, openedAt + stage.afterSeconds * 1000 - Date.now()))) return true;
    const payload = escalationPayload(run, decision, index + 1, stage.notify, expiresAt);
    await sendEscalation(run, payload, `escalation ${index + 1} to ${stage.notify.join(', ')}`);
  }
  return condition(decided, Math.max(0, expiresAt - Date.now()));
}

async function verifyOnce(run: ChangeRun, plan: Plan): Promise<VerificationVerdict> {
  try {
    recordVerified(run, await dns.verify(plan, plan.after));
    return 'verified';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    run.record({
      stream: 'operation',
      step: 'verification_failed',
      actor: 'countersign',
      summary: err.cause?.message ?? err.message,
    });
    return 'mismatch';
  }
}

/** Pause between verification rounds while servers do not answer: ~10 rounds, 1–15 s apart. */
function verificationRoundMs(patienceSeconds: number): number {
  return Math.min(15_000, Math.max(1_000, patienceSeconds * 100));
}

/**
 * Between rounds: ~10 rounds over the policy's patience; a kind that waits for days (a transfer)
 * starts at that pace and doubles up to its own rhythm, so its history stays small.
 */
function roundMsOf(run: ChangeRun, round: number): number {
  const own = run.plan === null ? undefined : verificationOf(run.plan);
  const base = verificationRoundMs(run.decision?.verificationPatienceSeconds ?? 600);
  if (own === undefined) return verificationRoundMs(patienceOf(run));
  return Math.min(own.roundSeconds * 1000, base * 2 ** Math.min(round - 1, 20));
}

function patienceOf(run: ChangeRun): number {
  const own = run.plan === null ? undefined : verificationOf(run.plan);
  if (own !== undefined)
    return Math.max(own.patienceSeconds, run.decision?.verificationPatienceSeconds ?? 600);
  return run.decision?.verificationPatienceSeconds ?? 600;
}

/**
 * Verification that tells "serves other data" (mismatch: roll back) from "did not answer"
 * (inconclusive: a server restart or a network outage is not a wrong answer). An inconclusive
 * change is verified again for the policy's patience, then escalated, never rolled back blind.
 */
async function verifyPatiently(run: ChangeRun, plan: Plan): Promise<VerificationVerdict> {
  const deadline = Date.now() + patienceOf(run) * 1000;
  for (let round = 1; ; round++) {
    try {
      recordVerified(run, await dns.verify(plan, plan.after));
      return 'verified';
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
      const inconclusive = type === FailureType.VerificationInconclusive;
      run.record({
        stream: 'operation',
        step: inconclusive ? 'verification_inconclusive' : 'verification_failed',
        actor: 'countersign',
        summary: `${inconclusive ? `round ${round}: ` : ''}${err.cause?.message ?? err.message}`,
      });
      if (!inconclusive) return 'mismatch';
      const left = deadline - Date.now();
      if (left <= 0) return 'inconclusive';
      await sleep(Math.min(roundMsOf(run, round), left));
    }
  }
}

function recordVerified(run: ChangeRun, verified: VerifyResult): void {
  run.record({
    stream: 'operation',
    step: 'verified',
    actor: 'countersign',
    summary: `${verified.answers.length} authoritative server(s) serve the new state`,
    data: verified,
  });
}

/** A written, unverifiable change reaches people: the log and the notifier webhook. */
function escalateUnverified(run: ChangeRun, plan: Plan): Promise<void> {
  const rec = run.recommendation;
  return escalateOperation(run, {
    kind: 'verification',
    what: `${plan.operation} of ${plan.name} ${plan.type} in ${rec.target.zone} (${rec.target.environment}) is written but unverified`,
    why: `${portOf(plan) === 'registry' ? 'the registry or the parent zone' : 'the authoritative servers'} gave no answer for ${formatDuration(patienceOf(run))} after the write; none serves other data, so nothing was rolled back`,
    risk: 'the new data may not be served; a rollback now could not be verified either',
    riskOfWaiting: 'clients may still get the old data from servers that are back but behind',
    howToDecide:
      portOf(plan) === 'registry'
        ? `check domain:info of ${plan.name} at the registry${plan.type === 'NS' || plan.type === 'DS' ? ` and the parent zone (dig @<parent server> ${plan.name} ${plan.type})` : ''}; countersign evidence ${rec.id}`
        : `check the servers (dig @<server> ${plan.name} ${plan.type}); countersign evidence ${rec.id}`,
  });
}

/** A domain left without its registry lock: open to hijack until someone puts it back. */
function escalateUnlocked(run: ChangeRun, problem: string): Promise<void> {
  const rec = run.recommendation;
  return escalateOperation(run, {
    kind: 'lock',
    what: `${rec.target.zone} (${rec.target.environment}) may be left UNLOCKED at the registry`,
    why: problem,
    risk: 'an unlocked domain can be updated or transferred away by anyone holding the registrar account or the auth code',
    riskOfWaiting: 'every hour unlocked is an hour open to hijack',
    howToDecide: `put the lock back now (countersign evidence ${rec.id} lists the statuses lifted), then check the registry`,
    stage: run.evidence.length,
  });
}

/** The provider stayed unreachable through every retry: the change ends, and a person must look. */
function escalateProviderOutage(run: ChangeRun, problem: string): Promise<void> {
  const rec = run.recommendation;
  const plan = run.plan;
  return escalateOperation(run, {
    kind: 'provider',
    what: `${changeTitle(rec)} in ${rec.target.zone} (${rec.target.environment}) stopped: its provider is unavailable`,
    why: problem,
    risk:
      run.state === 'executing' || run.state === 'rolling_back'
        ? `the outage hit during ${run.state === 'executing' ? 'execution' : 'rollback'}: whether plan ${plan?.hash.slice(0, 16) ?? ''} was written is unknown`
        : 'nothing was written',
    riskOfWaiting: 'the change is closed as failed; it is not retried by itself',
    howToDecide: `check the provider and the live RRset; resubmit under a new id if the change is still wanted; countersign evidence ${rec.id}`,
  });
}

async function escalateOperation(
  run: ChangeRun,
  details: Pick<EscalationPayload, 'what' | 'why' | 'risk' | 'riskOfWaiting' | 'howToDecide'> & {
    kind: 'verification' | 'provider' | 'lock';
    /** Distinguishes repeated alerts of one kind (their webhook idempotency keys differ). */
    stage?: number;
  },
): Promise<void> {
  const payload: EscalationPayload = {
    ...details,
    workflowId: run.workflowId,
    stage: details.stage ?? 1,
    notify: ['sre'],
    whoCanDecide: 'an SRE with access to the DNS provider and the authoritative servers',
    expiresAt: new Date().toISOString(),
  };
  await sendEscalation(run, payload, payload.what);
}

/**
 * A notification nothing waits for: a failed budget ask is recorded as a failed notification (it
 * never decides the change), one cancelled with the change ends quietly, and the change collects
 * it before closing (ChangeRun.notices).
 */
function noticeInBackground(run: ChangeRun, payload: EscalationPayload, summary: string): Promise<void> {
  return sendEscalation(run, payload, summary).catch((err: unknown) => {
    // Cancelled with the change, which records that itself.
    if (isCancellation(err)) return;
    if (!(err instanceof ActivityFailure)) throw err;
    recordEscalationFailed(run, payload, err);
  });
}

/** Sends an escalation and records how it went; a failed notification never decides the change. */
async function sendEscalation(run: ChangeRun, payload: EscalationPayload, summary: string): Promise<void> {
  // Only reminders about waiting approvals are budgeted; a write that cannot be verified or a
  // provider outage always reaches people.
  const reminder = payload.kind === undefined || payload.kind === 'approval' || payload.kind === 'request';
  if (run.governed && reminder && !(await escalationAllowed(run, `${payload.stage}-${run.evidence.length}`)))
    return;
  try {
    await notifier.escalate(payload);
    recordEscalation(payload.kind, 'sent');
    run.record({ stream: 'operation', step: 'escalated', actor: 'countersign', summary, data: payload });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    recordEscalationFailed(run, payload, err);
  }
}

function recordEscalationFailed(run: ChangeRun, payload: EscalationPayload, err: ActivityFailure): void {
  recordEscalation(payload.kind, 'failed');
  run.record({
    stream: 'operation',
    step: 'escalation_failed',
    actor: 'countersign',
    summary: err.cause?.message ?? err.message,
    data: payload,
  });
}

function escalationPayload(
  run: ChangeRun,
  decision: Decision,
  stage: number,
  notify: readonly string[],
  expiresAt: number,
): EscalationPayload {
  const rec = run.recommendation;
  const plan = run.plan;
  return {
    kind: 'approval',
    workflowId: run.workflowId,
    stage,
    notify,
    what: `${changeTitle(rec)} in ${rec.target.zone} (${rec.target.environment})`,
    why: rec.rationale,
    // Sentences for people; the rule ids are in the evidence and `countersign status --json`.
    risk: `${describeTier(decision.tier)}: ${decision.reasons.map(reasonSentence).join(' ')}`,
    riskOfWaiting: `the request is rejected (fail closed) at ${new Date(expiresAt).toISOString()} if nobody decides${rec.incidentId === undefined ? '' : `; incident ${rec.incidentId} is open`}`,
    whoCanDecide:
      run.approval.status === 'pending'
        ? `${decision.approvals.roles.map((r) => `${r.count} ${r.role}`).join(' + ') || `${decision.approvals.count} approver(s)`}; not ${run.request?.excluded.map((e) => e.principal).join(', ') ?? ''}`
        : '',
    howToDecide: `countersign status ${rec.id}; countersign approve ${rec.id} --plan-hash ${plan?.hash.slice(0, 16) ?? ''} --key <your key file> --reason "..."`,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/**
 * `wrote`: this run made the write. A state someone else put there is never rolled back by us.
 * `settle` runs before the change closes (putting registry locks back); false: it could not.
 */
async function verifyOrRollBack(
  run: ChangeRun,
  plan: Plan,
  wrote: boolean,
  settle?: () => Promise<boolean>,
): Promise<void> {
  const close = async (state: ChangeState, code: string, message: string): Promise<void> => {
    if (settle === undefined || (await settle())) return run.close(state, code, message);
    return run.close(
      'failed',
      'left_unlocked',
      `${message}; but the registry lock could not be put back: the domain is unlocked, and people were alerted`,
    );
  };
  return verifyOrRollBackThen(run, plan, wrote, close);
}

async function verifyOrRollBackThen(
  run: ChangeRun,
  plan: Plan,
  wrote: boolean,
  close: (state: ChangeState, code: string, message: string) => Promise<void>,
): Promise<void> {
  run.transition('verifying');
  const verdict = patched('inconclusive-verification')
    ? await verifyPatiently(run, plan)
    : await verifyOnce(run, plan);
  if (verdict === 'verified')
    return close(
      'executed',
      'verified',
      `${plan.operation} of ${plan.name} ${plan.type} applied and verified`,
    );
  if (verdict === 'inconclusive') {
    await escalateUnverified(run, plan);
    return close(
      'failed',
      'verification_inconclusive',
      `${plan.name} ${plan.type} was written but the authoritative servers did not answer for ${formatDuration(patienceOf(run))}; not rolled back (no server serves other data). A human must check the servers.`,
    );
  }
  if (!isReversible(plan))
    return close(
      'failed',
      'verification_failed',
      `the change did not verify and ${plan.kind ?? 'it'} cannot be rolled back; a human must look (countersign evidence ${run.recommendation.id})`,
    );
  if (!wrote) {
    return close(
      'failed',
      'verification_failed',
      'live state already matched the plan (not written by this change) but does not verify; not rolling back. A human must look.',
    );
  }
  run.transition('rolling_back');
  const undo = invertPlan(plan);
  const undone = await io.execute(undo);
  const authorship = patched('write-authorship');
  run.record({
    stream: 'operation',
    step: `rollback_${undone.outcome}`,
    actor: 'countersign',
    summary: authorship ? writeSummary('rollback', undone) : `rollback: ${undone.outcome}`,
    data: {
      planHash: undo.hash,
      live: undone.live,
      ...(authorship && undone.outcome === 'applied' && undone.acknowledgementLost !== undefined
        ? { acknowledgementLost: undone.acknowledgementLost }
        : {}),
    },
  });
  if (undone.outcome === 'stale')
    return close(
      'failed',
      'rollback_stale',
      'live state moved after the change; rollback did not write. A human must look.',
    );
  try {
    const verified = await dns.verify(undo, undo.after);
    run.record({
      stream: 'operation',
      step: 'rollback_verified',
      actor: 'countersign',
      summary: 'previous state restored and verified',
      data: verified,
    });
    return close(
      'rolled_back',
      'verification_failed',
      'the change did not verify; previous state restored and verified',
    );
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return close(
      'failed',
      'rollback_unverified',
      `rollback written but not verified: ${err.cause?.message ?? err.message}`,
    );
  }
}
