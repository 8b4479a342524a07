import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Verdict } from '../approvals/reducer';
import type { ChainCheck, EvidenceEntry } from '../evidence/chain';
import { verifyChain } from '../evidence/chain';
import { hashOf } from '../hash';
import type { ChangeResult, ChangeView } from '../change/view';
import { renderDecisionCard } from '../change/decision-card';
import type { ChangeState } from '../change/states';
import type { Recommendation } from '../schema/recommendation';
import { RecommendationValidationError, validateRecommendation } from '../schema/validate-recommendation';
import { stateKey, zoneKey, environmentKey, tierKey, requesterKey } from '../search-attributes';
import type { changeWorkflow } from '../../workflows/change-workflow';
import { decideUpdate, evidenceQuery, stateQuery } from '../../workflows/messages';
import type { ApproverKeyFile } from './approver-keys';
import { missingSeats, seatsFilled, seatsOf } from '../approvals/role-matching';
import { signDecision } from './approver-keys';

export const defaultTaskQueue = 'countersign';

/** The workflow id of a recommendation: one recommendation, one workflow, ever. */
export function workflowIdFor(recommendationId: string): string {
  return recommendationId.startsWith('change-') ? recommendationId : `change-${recommendationId}`;
}

/** Thrown when a recommendation id is reused with different content. */
export class RecommendationConflictError extends Error {
  constructor(
    readonly recommendationId: string,
    readonly workflowId: string,
  ) {
    super(
      `recommendation id ${recommendationId} was already submitted with different content (workflow ${workflowId}); use a new id for a new change`,
    );
    this.name = 'RecommendationConflictError';
  }
}

/** Thrown when no change workflow exists for the id. */
export class ChangeNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no change ${id}`);
    this.name = 'ChangeNotFoundError';
  }
}

export interface Submission {
  readonly workflowId: string;
  readonly recommendationId: string;
  /** False when this id had been submitted before with the same content. */
  readonly created: boolean;
  readonly handle: WorkflowHandle<typeof changeWorkflow>;
}

export interface PendingChange {
  readonly workflowId: string;
  readonly view: ChangeView;
  /** Seats still open, e.g. "1 service-owner". */
  readonly missing: string;
  readonly expiresAt: string;
}

export interface ListedChange {
  readonly workflowId: string;
  readonly status: string;
  readonly state: string | undefined;
  readonly zone: string | undefined;
  readonly environment: string | undefined;
  readonly tier: string | undefined;
  readonly requester: string | undefined;
  readonly startTime: string;
}

export interface DecideOptions {
  /** The approver's key file (`countersign keygen`): the decision is signed as its principal. */
  readonly key: ApproverKeyFile;
  readonly decision: 'approve' | 'reject';
  readonly reason: string;
  /**
   * The plan the approver reviewed: the full hash, or a prefix of at least 8 hex characters as the
   * decision card shows it. A decision always binds to a plan someone saw, never to "whatever is pending".
   */
  readonly planHash: string;
  /** Idempotency key of this decision: resending with the same id returns the first verdict. Default: new per call. */
  readonly requestId?: string;
  /** How long the signature stays valid (default 10 minutes). */
  readonly validForSeconds?: number;
}

/**
 * The client SDK for AIOps systems and approvers. Validation runs before any network call, so
 * bad input fails fast and the same way with or without a server.
 */
export class CountersignClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = defaultTaskQueue,
  ) {}

  async submit(input: unknown): Promise<Submission> {
    const validated = validateRecommendation(input);
    if (!validated.ok) throw new RecommendationValidationError(validated.issues);
    const rec: Recommendation = validated.value;
    const workflowId = workflowIdFor(rec.id);
    const contentHash = hashOf(rec);
    try {
      const handle = await this.client.workflow.start('changeWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ recommendation: rec }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { recommendationHash: contentHash },
        typedSearchAttributes: [
          { key: stateKey, value: 'validating' },
          { key: zoneKey, value: rec.target.zone },
          { key: environmentKey, value: rec.target.environment },
          { key: requesterKey, value: rec.source.onBehalfOf ?? rec.source.agent },
        ],
        staticSummary: `${rec.change.kind} ${rec.change.name} ${rec.change.type} (${rec.target.environment})`,
        staticDetails: `Proposed by ${rec.source.agent} (${rec.source.model} ${rec.source.modelVersion}) with confidence ${rec.confidence}: ${rec.rationale}`,
      });
      return {
        workflowId,
        recommendationId: rec.id,
        created: true,
        handle: handle as WorkflowHandle<typeof changeWorkflow>,
      };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const handle = this.client.workflow.getHandle<typeof changeWorkflow>(workflowId);
      const description = await handle.describe();
      if (description.memo?.recommendationHash !== contentHash)
        throw new RecommendationConflictError(rec.id, workflowId);
      return { workflowId, recommendationId: rec.id, created: false, handle };
    }
  }

  handle(id: string): WorkflowHandle<typeof changeWorkflow> {
    return this.client.workflow.getHandle<typeof changeWorkflow>(workflowIdFor(id));
  }

  /** Current view: the live query while running, the recorded result once closed. */
  async status(id: string): Promise<ChangeView> {
    return (await this.snapshot(id)).view;
  }

  private async snapshot(id: string): Promise<{ view: ChangeView; evidence?: readonly EvidenceEntry[] }> {
    const handle = this.handle(id);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ChangeNotFoundError(id);
      throw err;
    }
    if (status === 'COMPLETED') {
      const result: ChangeResult = await handle.result();
      return result;
    }
    return { view: await handle.query(stateQuery) };
  }

  /**
   * Polls until the change is in one of `states` and returns that view; on timeout returns the
   * last view seen, so the caller can say where it stopped.
   */
  async waitForState(
    id: string,
    states: readonly ChangeState[],
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<ChangeView> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const view = await this.status(id);
      if (states.includes(view.state) || Date.now() > deadline) return view;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
  }

  /**
   * The reviewer queue: changes awaiting approval that `principal` may approve and where a seat
   * their roles can fill is still open (roles unknown: every open seat).
   */
  async pending(caller: { principal?: string; roles?: readonly string[] } = {}): Promise<PendingChange[]> {
    // Only this deployment's changes: another task queue's workers may not answer queries.
    const waiting = await this.list({ state: 'awaiting_approval', limit: 200, ownTaskQueue: true });
    const out: PendingChange[] = [];
    for (const row of waiting) {
      // A change that closed since the listing is not pending; any other failure is reported, never hidden.
      const view = await this.status(row.workflowId).catch((err: unknown) => {
        if (err instanceof ChangeNotFoundError) return undefined;
        throw err;
      });
      const approval = view?.approval;
      if (
        view === undefined ||
        approval === null ||
        approval === undefined ||
        view.state !== 'awaiting_approval'
      )
        continue;
      const who = caller.principal?.toLowerCase();
      if (who !== undefined && approval.excluded.some((e) => e.principal.toLowerCase() === who)) continue;
      if (who !== undefined && approval.state.approvals.some((a) => a.principal.toLowerCase() === who))
        continue;
      const seats = seatsOf(approval.required, view.decision?.approvals.roles ?? []);
      const approvers = approval.state.approvals.map((a) => a.roles);
      const open = seatsFilled(seats, [...approvers, caller.roles]) > seatsFilled(seats, approvers);
      if (!open) continue;
      out.push({
        workflowId: view.workflowId,
        view,
        missing: missingSeats(seats, approvers),
        expiresAt: approval.expiresAt,
      });
    }
    return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  }

  async decisionCard(id: string): Promise<string> {
    return renderDecisionCard(await this.status(id));
  }

  async list(
    options: { state?: ChangeState; limit?: number; ownTaskQueue?: boolean } = {},
  ): Promise<ListedChange[]> {
    const clauses = ["WorkflowType = 'changeWorkflow'"];
    if (options.state !== undefined) clauses.push(`${stateKey.name} = '${options.state}'`);
    if (options.ownTaskQueue === true) clauses.push(`TaskQueue = '${this.taskQueue.replace(/'/g, '')}'`);
    const out: ListedChange[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND ') })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        workflowId: wf.workflowId,
        status: wf.status.name,
        state: sa.get(stateKey),
        zone: sa.get(zoneKey),
        environment: sa.get(environmentKey),
        tier: sa.get(tierKey),
        requester: sa.get(requesterKey),
        startTime: wf.startTime.toISOString(),
      });
      if (out.length >= (options.limit ?? 100)) break;
    }
    return out;
  }

  /**
   * Approve or reject through an update, so the caller learns at once whether it counted. The
   * update id is the decision's idempotency key: a retried call returns the first verdict, while a
   * new decision (a veto after an approval, say) is always a new update.
   */
  async decide(id: string, options: DecideOptions): Promise<{ verdict: Verdict; planHash: string }> {
    const wanted = options.planHash.trim().toLowerCase();
    if (!/^[0-9a-f]{8,64}$/.test(wanted))
      throw new Error('planHash: expected the reviewed plan hash (at least 8 hex characters)');
    let planHash = wanted;
    if (wanted.length < 64) {
      const pending = (await this.status(id)).approval?.planHash;
      if (pending === undefined || !pending.startsWith(wanted)) {
        const message =
          pending === undefined
            ? 'no approval is pending'
            : `you reviewed plan ${wanted}, the pending plan is ${pending.slice(0, 16)}: review it with status first`;
        return {
          verdict: {
            counted: false,
            code: pending === undefined ? 'request_closed' : 'plan_hash_mismatch',
            message,
          },
          planHash: wanted,
        };
      }
      planHash = pending;
    }
    const signed = signDecision(
      options.key,
      { workflowId: workflowIdFor(id), planHash, decision: options.decision, reason: options.reason },
      options.validForSeconds,
    );
    const verdict = await this.handle(id).executeUpdate(decideUpdate, {
      args: [signed],
      updateId: options.requestId ?? `decide:${randomUUID()}`,
    });
    return { verdict, planHash };
  }

  async evidence(id: string): Promise<{ entries: readonly EvidenceEntry[]; check: ChainCheck }> {
    const snapshot = await this.snapshot(id);
    const entries = snapshot.evidence ?? (await this.handle(id).query(evidenceQuery));
    return { entries, check: verifyChain(entries) };
  }
}
