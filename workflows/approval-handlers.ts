import { ActivityFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ApprovalActivities } from '../activities/approvals/approval-activities';
import type { Verdict } from '../src/approvals/reducer';
import { SignedDecision } from '../src/approvals/signed-decision';
import { ApprovalInput, DecisionInput } from '../src/schema/approval';
import type { ChangeRun } from './change-run';
import type { Decision } from '../src/policy/decision';
import { seatsFilled, seatsOf } from '../src/approvals/role-matching';
import { approveSignal, decideUpdate, rejectSignal } from './messages';
import { admitMessage } from '../src/payloads/message-intake';
import { tryBreakGlass } from './governance';

const approvals = proxyActivities<ApprovalActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
});

/** Signed decisions issued a little in the future still count: approvers' clocks drift. */
const clockSkewMs = 60_000;

/**
 * Wires the approve/reject signals (the Temporal UI channel) and the decide update (signed
 * decisions from the CLI and SDK) to the change. Identity is established by activities against the
 * approver directory before a decision reaches the reducer; every refusal is recorded as evidence.
 */
export function registerApprovalHandlers(run: ChangeRun): void {
  // Inputs are unknown until admitted: whatever arrives (any encoding, size or shape) is refused
  // as data and recorded, never thrown into the workflow task.
  const onSignal = (decision: 'approve' | 'reject') => async (payload: unknown) => {
    const admitted = admitMessage(payload, ApprovalInput);
    if (!admitted.ok) {
      run.refuseMessage(decision, run.verifiedApprovals ? 'ui' : 'signal', admitted.refusal);
      return;
    }
    const input = { ...admitted.value, decision };
    if (!run.verifiedApprovals) {
      run.decide(input, 'signal');
      return;
    }
    // The UI channel is unsigned: the principal is looked up, not proven.
    try {
      const who = await approvals.identifyPrincipal(input.principal);
      if (who.kind === 'service')
        run.refuse(
          input,
          'ui',
          'service_principal',
          `${who.id} is a service principal and may never approve`,
        );
      else if (who.kind === 'unknown')
        run.refuse(input, 'ui', 'unknown_principal', `${who.id} is not in the approver directory`);
      else run.decide({ ...input, principal: who.id }, 'ui', { roles: who.roles });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      run.refuse(
        input,
        'ui',
        'verification_unavailable',
        `the approver directory could not be read: ${err.cause?.message ?? err.message}`,
      );
    }
  };
  setHandler(approveSignal, onSignal('approve'));
  setHandler(rejectSignal, onSignal('reject'));

  // No update validator: a validator's refusal never reaches the history, and every refused
  // decision must be evidence.
  setHandler(decideUpdate, async (payload: unknown): Promise<Verdict> => {
    const signed = typeof payload === 'object' && payload !== null && 'payload' in payload;
    const admitted = admitMessage<SignedDecision | DecisionInput>(
      payload,
      signed ? SignedDecision : DecisionInput,
    );
    if (!admitted.ok) return run.refuseMessage('decision', 'update', admitted.refusal);
    const input = admitted.value;
    if (!run.verifiedApprovals) return run.decide(input as DecisionInput, 'update');
    if (!('payload' in input)) {
      return run.refuse(
        input,
        'update',
        'unsigned',
        'decisions sent as updates must be signed: countersign approve --key <key file>',
      );
    }
    const p = input.payload;
    const claimed = {
      principal: p.principal,
      decision: p.decision,
      planHash: p.planHash,
      reason: p.reason,
    };
    try {
      const verified = await approvals.verifySignedDecision(input, run.workflowId);
      if (!verified.ok) return run.refuse(claimed, 'signed', verified.code, verified.message);
      const verdict = run.decide({ ...claimed, principal: verified.principal }, 'signed', {
        roles: verified.roles,
        keyId: verified.keyId,
        signatureDigest: verified.signatureDigest,
        validFrom: Date.parse(p.issuedAt) - clockSkewMs,
        validUntil: Date.parse(p.expiresAt),
        nonce: p.nonce,
      });
      if (verdict.counted && verdict.status === 'pending' && p.decision === 'approve') {
        try {
          await tryBreakGlass(run, verified.principal);
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          // Unknown whether a grant exists: the request keeps waiting for its second approver.
          run.record({
            stream: 'decision',
            step: 'break_glass_unverified',
            actor: 'countersign',
            summary: `whether ${verified.principal} holds break-glass could not be checked: ${err.cause?.message ?? err.message}`,
          });
        }
        if (run.approval.status === 'approved' && run.breakGlass !== null)
          return {
            counted: true,
            status: 'approved',
            message: `${verdict.message}; approved under break-glass ${run.breakGlass.id} (no second approver; a retroactive review follows)`,
          };
      }
      return verdict;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return run.refuse(
        claimed,
        'signed',
        'verification_unavailable',
        `the signature could not be verified: ${err.cause?.message ?? err.message}`,
      );
    }
  });
}

/**
 * Before execution: are the approvers who counted still in the directory, with the roles their
 * seats need? A removed or demoted approver stops counting; their approval is dropped and the
 * remaining ones are kept. Returns whether the approvals still satisfy `decision`.
 */
export async function approversStillValid(run: ChangeRun, decision: Decision): Promise<boolean> {
  const counted = run.approval.approvals;
  const identities = await approvals.currentIdentities(counted.map((a) => a.principal));
  const still = counted.flatMap((a, i) => {
    const who = identities[i];
    return who?.kind === 'human' ? [{ ...a, roles: who.roles }] : [];
  });
  const seats = seatsOf(decision.approvals.count, decision.approvals.roles);
  const valid =
    seatsFilled(
      seats,
      still.map((a) => a.roles),
    ) >= seats.length;
  const dropped = counted
    .filter((a) => !still.some((b) => b.principal === a.principal))
    .map((a) => a.principal);
  run.record({
    stream: 'decision',
    step: 'approvers_revalidated',
    actor: 'countersign',
    summary: valid
      ? `${still.length} approver(s) still valid`
      : `approvals no longer satisfy the decision${dropped.length > 0 ? `: ${dropped.join(', ')} no longer in the directory` : ': roles changed'}`,
    data: { valid, dropped, approvers: still.map((a) => ({ principal: a.principal, roles: a.roles })) },
  });
  run.approval = { ...run.approval, approvals: still };
  return valid;
}
