import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Verdict } from '../src/approvals/reducer';
import type { EvidenceEntry } from '../src/evidence/chain';
import type { ApprovalInput, DecisionInput } from '../src/schema/approval';
import type { SignedDecision } from '../src/approvals/signed-decision';
import type { ChangeView } from '../src/change/view';
import type { LedgerStatus } from '../src/evidence/ledger-protocol';

/** Approve the pending plan. Sent by the Temporal UI or the SDK; the verdict goes to the evidence. */
export const approveSignal = defineSignal<[ApprovalInput]>('approve');
/** Reject the pending plan, or veto it during the cooling-off delay. */
export const rejectSignal = defineSignal<[ApprovalInput]>('reject');
/** A signed decision (CLI, SDK); the sender learns at once whether it counted. Unsigned input only counts in older histories. */
export const decideUpdate = defineUpdate<Verdict, [SignedDecision | DecisionInput]>('decide');

export const stateQuery = defineQuery<ChangeView>('state');
export const evidenceQuery = defineQuery<readonly EvidenceEntry[]>('evidence');
/** From a governor: something this change waits for may have changed (admitted, lock passed on); ask again. */
export const governorNudgeSignal = defineSignal('governorNudge');

/** A closed (or closing) change asks the deployment's ledger to seal it; see evidence-ledger-workflow. */
export const sealSignal = defineSignal<[unknown]>('seal');
export const ledgerStatusQuery = defineQuery<LedgerStatus>('ledgerStatus');
