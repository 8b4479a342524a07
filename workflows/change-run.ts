import { setCurrentDetails, upsertSearchAttributes, log } from '@temporalio/workflow';
import type {
  ApprovalAttempt,
  ApprovalRequest,
  ApprovalState,
  IdentityRefusal,
  Verdict,
} from '../src/approvals/reducer';
import { initialApprovalState, reviewAttempt, reviewVeto } from '../src/approvals/reducer';
import { seatsFilled, seatsOf } from '../src/approvals/role-matching';
import { cardForTemporalUi, renderDecisionCard } from '../src/change/decision-card';
import type { ChangeState } from '../src/change/states';
import type { ChangeResult, ChangeView } from '../src/change/view';
import type { EvidenceEntry, EvidenceInput } from '../src/evidence/chain';
import { appendEvidence, genesisHash } from '../src/evidence/chain';
import type { Plan } from '../src/plan/plan';
import type { Decision } from '../src/policy/decision';
import type { DecisionInput } from '../src/schema/approval';
import type { MessageRefusal } from '../src/payloads/message-intake';
import type { Recommendation } from '../src/schema/recommendation';
import {
  environmentKey,
  holdKey,
  overrideKey,
  requesterKey,
  stateKey,
  tierKey,
  zoneKey,
} from '../src/search-attributes';
import type { ActiveOverrides } from '../src/overrides/active-overrides';
import { noActiveOverrides } from '../src/overrides/active-overrides';
import type { BreakGlassView } from '../src/overrides/overrides-state';
import type { Flag } from '../src/governor/governor-state';
import type { Hold } from '../src/governor/hold';
import { holdKeyword } from '../src/governor/hold';
import { recordClosed } from './change-metrics';

/**
 * The change workflow's state, kept in one place so handlers and the main flow see the same
 * thing. Every mutation that matters appends evidence and refreshes the UI details and search
 * attributes.
 */
/** What verification established about a decision before it reaches the reducer. */
export interface Proof {
  readonly roles?: readonly string[];
  readonly keyId?: string;
  readonly signatureDigest?: string;
  readonly validFrom?: number;
  readonly validUntil?: number;
  readonly nonce?: string;
}

export class ChangeRun {
  state: ChangeState = 'validating';
  recommendation: Recommendation;
  decision: Decision | null = null;
  plan: Plan | null = null;
  request: ApprovalRequest | null = null;
  approval: ApprovalState = initialApprovalState;
  /** A veto during cooling-off; the approval state is already final by then. */
  veto: { principal: string; reason: string } | null = null;
  coolingOffUntil: number | null = null;
  /** When the final approval (and its cooling-off) completed: the execution window starts here. */
  executionAllowedAt: number | null = null;
  outcome: { code: string; message: string } | null = null;
  readonly evidence: EvidenceEntry[] = [];
  /** Governed by the zone, tenant and global governors; false in histories recorded before them. */
  governed = false;
  /** What a governor holds this change for right now. */
  hold: Hold | null = null;
  /** Why a governor re-routed this automatic change to approval; it stays re-routed. */
  rerouted: Hold | null = null;
  flags: Flag[] = [];
  /** Governor nudges received: a waiting change asks again when this moves. */
  nudges = 0;
  /** Numbers the questions to governors (each becomes a unique update id). */
  asks = 0;
  /** Execution was reached: a failure from here on counts toward the circuit breaker. */
  executionStarted = false;
  /** Freezes, break-glass and exceptions are consulted; false in histories recorded before them. */
  overridesAware = false;
  /**
   * Validation, classification, staging and policy checks run as local activities, and the first
   * overrides are read while staging; false in histories recorded before that.
   */
  fastPath = false;
  /** An approval request is announced to the approvers when it opens; false in histories recorded before that. */
  announcesRequests = false;
  /**
   * The announcement goes out while the change waits for the decision, not before: an approval
   * given while it is in flight moves the change on at once. False in histories recorded before.
   */
  announcesWhileWaiting = false;
  /** Notifications still in flight; the change waits for them before it closes its evidence. */
  readonly notices: Promise<void>[] = [];
  /**
   * The admission also reads the overrides, and the first policy check uses them instead of
   * reading them again while staging; false in histories recorded before that.
   */
  overridesWithAdmission = false;
  /** A read step that failed twice locally is retried as an ordinary activity (visible to doctor). */
  readsRetryVisibly = false;
  /** The overrides came with the admission and no policy check has used them yet. */
  overridesFromAdmission = false;
  /** The overrides in force in this change's scopes when it last asked. */
  overrides: ActiveOverrides = noActiveOverrides;
  /** The break-glass grant this change was approved under, if any. */
  breakGlass: BreakGlassView | null = null;
  /** Registry locks lifted for this change could not be put back: the domain is unlocked. */
  leftUnlocked = false;
  /** Every override this change ran under or was held by (`break-glass:bg-1`, `exception:x`, `freeze:zone:y`). */
  readonly marks = new Set<string>();

  constructor(
    readonly workflowId: string,
    submitted: Recommendation,
    /** Approvals are verified against the directory (roles, channels, signatures); false only in older histories. */
    readonly verifiedApprovals = false,
  ) {
    this.recommendation = submitted;
  }

  record(input: EvidenceInput): void {
    this.evidence.push(appendEvidence(this.evidence, input, new Date()));
  }

  transition(state: ChangeState): void {
    this.state = state;
    const rec = this.recommendation;
    upsertSearchAttributes([
      { key: stateKey, value: state },
      { key: zoneKey, value: rec.target.zone },
      { key: environmentKey, value: rec.target.environment },
      { key: requesterKey, value: rec.source.onBehalfOf ?? rec.source.agent },
      ...(this.decision === null ? [] : [{ key: tierKey, value: String(this.decision.tier) }]),
      ...(this.governed
        ? [{ key: holdKey, value: this.hold === null ? 'none' : holdKeyword(this.hold) }]
        : []),
      ...(this.overridesAware && this.marks.size > 0 ? [{ key: overrideKey, value: [...this.marks] }] : []),
    ]);
    if (state === 'executing') this.executionStarted = true;
    setCurrentDetails(cardForTemporalUi(renderDecisionCard(this.view())));
    log.info('change state', { state, planHash: this.plan?.hash });
  }

  close(state: ChangeState, code: string, message: string): void {
    // However the change ended, a domain it left unlocked is what people must hear first.
    if (this.leftUnlocked && code !== 'left_unlocked')
      return this.close(
        'failed',
        'left_unlocked',
        `${message}; and the registry lock could not be put back: the domain may be unlocked, and people were alerted`,
      );
    this.outcome = { code, message };
    recordClosed(this, state, code);
    this.record({
      stream: 'decision',
      step: 'close',
      actor: 'countersign',
      summary: `${state}: ${message}`,
      data: { state, code },
    });
    this.transition(state);
  }

  /**
   * Opens the approval request for `plan`. With `keepApprovals` (a stricter policy asked for more),
   * approvals already counted for this same plan still count toward the new requirement.
   */
  openRequest(plan: Plan, decision: Decision, keepApprovals = false): void {
    const rec = this.recommendation;
    const excluded = [{ principal: rec.source.agent, why: 'the proposing agent is a service principal' }];
    if (rec.source.onBehalfOf !== undefined) {
      excluded.push({
        principal: rec.source.onBehalfOf,
        why: 'the requester may not approve their own change',
      });
    }
    const kept = keepApprovals && this.request?.planHash === plan.hash ? this.approval.approvals : [];
    const request: ApprovalRequest = {
      planHash: plan.hash,
      required: decision.approvals.count,
      excluded,
      expiresAt: Date.now() + decision.approvalExpirySeconds * 1000,
      ...(this.verifiedApprovals
        ? { roles: decision.approvals.roles, channels: decision.channels ?? ['signed'] }
        : {}),
    };
    this.request = request;
    const seats = seatsOf(request.required, request.roles ?? []);
    this.approval = {
      status:
        seatsFilled(
          seats,
          kept.map((a) => a.roles),
        ) >= seats.length
          ? 'approved'
          : 'pending',
      approvals: kept,
      // Nonces stay spent across re-staging: a signed decision is usable once per workflow.
      ...(this.approval.nonces === undefined ? {} : { nonces: this.approval.nonces }),
    };
    this.veto = null;
    const roles = decision.approvals.roles.map((r) => `${r.count} ${r.role}`).join(' + ');
    this.record({
      stream: 'decision',
      step: 'approval_requested',
      actor: 'countersign',
      summary: `waiting for ${decision.approvals.count} approval(s)${roles === '' ? '' : ` (${roles})`} of plan ${plan.hash.slice(0, 16)}${kept.length > 0 ? `, ${kept.length} already counted` : ''}`,
      data: {
        planHash: plan.hash,
        required: decision.approvals.count,
        roles: decision.approvals.roles,
        kept: kept.length,
        expiresAt: new Date(this.request.expiresAt).toISOString(),
      },
    });
  }

  /** Voids pending approvals: the plan they were bound to is gone. */
  voidRequest(why: string): void {
    if (this.request === null) return;
    // A grant stood in for the second approver of that request only: a new plan asks the holder again.
    this.breakGlass = null;
    this.record({
      stream: 'decision',
      step: 'approvals_void',
      actor: 'countersign',
      summary: why,
      data: { planHash: this.request.planHash, counted: this.approval.approvals.length },
    });
    this.request = null;
    this.approval = {
      ...initialApprovalState,
      ...(this.approval.nonces === undefined ? {} : { nonces: this.approval.nonces }),
    };
  }

  /**
   * Every decision from an identified human lands here, whatever the channel; every verdict is
   * evidence. `proof` carries what verification established (roles, key, signature window, nonce).
   */
  decide(input: DecisionInput, channel: ApprovalAttempt['channel'], proof: Proof = {}): Verdict {
    const { signatureDigest, ...checks } = proof;
    const attempt: ApprovalAttempt = {
      ...input,
      principal: input.principal.trim(),
      channel,
      at: Date.now(),
      ...checks,
    };
    let verdict: Verdict;
    if (this.state === 'cooling_off' && input.decision === 'reject' && this.request !== null) {
      verdict = this.tryVeto(attempt, this.request);
    } else if (this.request === null || this.state !== 'awaiting_approval') {
      verdict = {
        counted: false,
        code: 'request_closed',
        message: `no approval is pending (state ${this.state})`,
      };
    } else {
      const reviewed = reviewAttempt(this.request, this.approval, attempt);
      this.approval = reviewed.state;
      verdict = reviewed.verdict;
    }
    this.recordVerdict(input, attempt.principal, channel, verdict, {
      ...(proof.roles === undefined ? {} : { roles: proof.roles }),
      ...(proof.keyId === undefined ? {} : { keyId: proof.keyId }),
      ...(signatureDigest === undefined ? {} : { signatureDigest }),
    });
    return verdict;
  }

  /**
   * A message that is not a well-formed decision (undecodable, too large, wrong shape): recorded
   * with what can safely be said of it, and the change goes on.
   */
  refuseMessage(message: string, channel: ApprovalAttempt['channel'], refusal: MessageRefusal): Verdict {
    const verdict: Verdict = { counted: false, code: refusal.code, message: refusal.message };
    this.record({
      stream: 'decision',
      step: `${message}_refused`,
      actor: 'unknown',
      summary: `${message} message refused: ${refusal.message}`,
      data: { channel, code: refusal.code, ...refusal.data },
    });
    return verdict;
  }

  /** A decision refused before it reached the request: identity or signature did not verify. */
  refuse(
    input: DecisionInput,
    channel: ApprovalAttempt['channel'],
    code: IdentityRefusal,
    message: string,
  ): Verdict {
    const verdict: Verdict = { counted: false, code, message };
    this.recordVerdict(input, input.principal.trim(), channel, verdict, {});
    return verdict;
  }

  private recordVerdict(
    input: DecisionInput,
    actor: string,
    channel: ApprovalAttempt['channel'],
    verdict: Verdict,
    identity: Record<string, unknown>,
  ): void {
    this.record({
      stream: 'decision',
      step: verdict.counted ? `${input.decision}_counted` : `${input.decision}_refused`,
      actor,
      summary: verdict.message,
      data: {
        channel,
        planHash: input.planHash,
        reason: input.reason,
        ...identity,
        ...(verdict.counted ? {} : { code: verdict.code }),
      },
    });
    setCurrentDetails(cardForTemporalUi(renderDecisionCard(this.view())));
  }

  private tryVeto(attempt: ApprovalAttempt, request: ApprovalRequest): Verdict {
    const verdict = reviewVeto(request, attempt);
    if (verdict.counted) this.veto = { principal: attempt.principal, reason: attempt.reason };
    return verdict;
  }

  view(): ChangeView {
    const last = this.evidence[this.evidence.length - 1];
    return {
      workflowId: this.workflowId,
      recommendation: this.recommendation,
      state: this.state,
      decision: this.decision,
      plan: this.plan,
      approval:
        this.request === null
          ? null
          : {
              planHash: this.request.planHash,
              required: this.request.required,
              excluded: this.request.excluded,
              expiresAt: new Date(this.request.expiresAt).toISOString(),
              state: this.approval,
            },
      coolingOffUntil: this.coolingOffUntil === null ? null : new Date(this.coolingOffUntil).toISOString(),
      outcome: this.outcome,
      evidenceHead: last?.hash ?? genesisHash,
      evidenceLength: this.evidence.length,
      ...(this.governed ? { governor: { hold: this.hold, rerouted: this.rerouted, flags: this.flags } } : {}),
      ...(this.overridesAware
        ? { overrides: { active: this.overrides, breakGlass: this.breakGlass, marks: [...this.marks] } }
        : {}),
    };
  }

  /** A break-glass holder's approval completes the request on its own; the grant is marked on the change. */
  approveUnderBreakGlass(grant: BreakGlassView): void {
    this.breakGlass = grant;
    this.marks.add(`break-glass:${grant.id}`);
    this.approval = { ...this.approval, status: 'approved' };
    this.record({
      stream: 'decision',
      step: 'break_glass',
      actor: grant.holder,
      summary: `approved under break-glass ${grant.id} of ${grant.holder} (${grant.scope}, until ${grant.expiresAt}): no second approver; a different operator reviews it afterwards`,
      data: grant,
    });
    setCurrentDetails(cardForTemporalUi(renderDecisionCard(this.view())));
  }

  result(): ChangeResult {
    // A copy: decisions arriving while the bundle is exported must not change what was exported.
    return { view: this.view(), evidence: [...this.evidence] };
  }
}
