import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Verdict } from '../src/approvals/reducer';
import type { EvidenceEntry } from '../src/evidence/chain';
import type { ApprovalInput, DecisionInput } from '../src/schema/approval';
import type { ChangeView } from '../src/change/view';

/** Approve the pending plan. Sent by the Temporal UI or the SDK; the verdict goes to the evidence. */
export const approveSignal = defineSignal<[ApprovalInput]>('approve');
/** Reject the pending plan, or veto it during the cooling-off delay. */
export const rejectSignal = defineSignal<[ApprovalInput]>('reject');
/** Approve or reject and learn at once whether it counted (the CLI uses this). */
export const decideUpdate = defineUpdate<Verdict, [DecisionInput]>('decide');

export const stateQuery = defineQuery<ChangeView>('state');
export const evidenceQuery = defineQuery<readonly EvidenceEntry[]>('evidence');
