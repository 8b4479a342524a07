import { changeTitle } from '../kinds/kinds';
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowClient,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Verdict } from '../approvals/reducer';
import type { ChainCheck, EvidenceEntry } from '../evidence/chain';
import { verifyChain } from '../evidence/chain';
import { hashOf } from '../hash';
import type { ChangeResult, ChangeView } from '../change/view';
import { renderDecisionCard } from '../change/decision-card';
import type { ChangeState } from '../change/states';
import { isFinal } from '../change/states';
import { effectiveState, stateClause } from '../change/execution-status';
import type { Recommendation } from '../schema/recommendation';
import { RecommendationValidationError, validateRecommendation } from '../schema/validate-recommendation';
import { stateKey, zoneKey, environmentKey, tierKey, requesterKey } from '../search-attributes';
import type { changeWorkflow } from '../../workflows/change-workflow';
import { decideUpdate, evidenceQuery, stateQuery } from '../../workflows/messages';
import type { ApproverKeyFile } from './approver-keys';
import { missingSeats, seatsFilled, seatsOf } from '../approvals/role-matching';
import { signDecision } from './approver-keys';
import type { GovernorActionOptions } from './governor-client';
import { admitFromQueue, readGovernorStatus, resetBreaker } from './governor-client';
import type { GovernorStatus } from '../governor/status';
import { OverrideClient } from './override-client';
import type { Scope } from '../governor/scope';
import {
  ChangeClosedError,
  ChangeNotFoundError,
  ChangeUnreadableError,
  DecisionInputError,
  RecommendationConflictError,
} from './errors';

export {
  ChangeClosedError,
  ChangeNotFoundError,
  ChangeUnreadableError,
  DecisionInputError,
  RecommendationConflictError,
} from './errors';

export const defaultTaskQueue = 'countersign';

/**
 * gRPC status codes that say nothing about the change: the server is unreachable (14), busy (8)
 * or refusing the caller (16, 7).
 */
const serverProblemCodes = new Set([14, 8, 16, 7]);

function serverProblem(err: unknown): boolean {
  return (
    err instanceof ServiceError && isGrpcServiceError(err.cause) && serverProblemCodes.has(err.cause.code)
  );
}

/** The workflow id of a recommendation: one recommendation, one workflow, ever. */
export function workflowIdFor(recommendationId: string): string {
  return recommendationId.startsWith('change-') ? recommendationId : `change-${recommendationId}`;
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

/** The reviewer queue, and the changes it could not read (never hidden, never failing the rest). */
export interface PendingQueue {
  readonly changes: readonly PendingChange[];
  readonly unreadable: readonly { readonly workflowId: string; readonly reason: string }[];
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
  private openChangesClient: WorkflowClient | undefined;

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
        staticSummary: `${changeTitle(rec)} (${rec.target.environment})`,
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
    // An open change answers the query in one round trip; a closed one is refused by the server
    // without asking a worker to replay it, and is read below from its execution status.
    let openQueryError: unknown;
    try {
      return { view: await this.openChanges().getHandle(workflowIdFor(id)).query(stateQuery) };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ChangeNotFoundError(id);
      // The server itself is unreachable, busy or refusing us: reading the execution would only
      // wait through the same retries again.
      if (serverProblem(err)) throw err;
      openQueryError = err;
    }
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
    // Open, yet it did not answer: asking again would only wait again.
    if (status === 'RUNNING')
      throw new ChangeUnreadableError(id, status, await this.endReason(id, status, openQueryError));
    let view: ChangeView;
    try {
      view = await handle.query(stateQuery);
    } catch (err) {
      throw new ChangeUnreadableError(id, status, await this.endReason(id, status, err));
    }
    // Ended without its own close (terminate, timeout, a failed task): the execution status tells the truth.
    const state = effectiveState(status, view.state) ?? view.state;
    if (state === view.state && view.outcome !== null) return { view };
    return {
      view: { ...view, state, outcome: { code: state, message: await this.endReason(id, status) } },
    };
  }

  /** The same workflows, with queries the server refuses for closed executions (`NOT_OPEN`). */
  private openChanges(): WorkflowClient {
    const workflows = this.client.workflow;
    this.openChangesClient ??= new WorkflowClient({
      connection: workflows.connection,
      namespace: workflows.options.namespace,
      identity: workflows.options.identity,
      interceptors: workflows.options.interceptors,
      dataConverter: workflows.options.loadedDataConverter,
      queryRejectCondition: 'NOT_OPEN',
    });
    return this.openChangesClient;
  }

  /** Why an execution ended, from the last event of its history (terminate reason, failure message). */
  private async endReason(id: string, status: string, queryError?: unknown): Promise<string> {
    const queryProblem = queryError instanceof Error ? queryError.message : undefined;
    try {
      const history = await this.handle(id).fetchHistory();
      const last = history.events?.[history.events.length - 1];
      const terminated = last?.workflowExecutionTerminatedEventAttributes;
      if (terminated !== undefined && terminated !== null)
        return `terminated through Temporal by ${terminated.identity || 'an unnamed client'}${terminated.reason ? `: ${terminated.reason}` : ''}`;
      const failed = last?.workflowExecutionFailedEventAttributes?.failure?.message;
      if (failed) return `the workflow failed: ${failed}`;
      if (last?.workflowExecutionTimedOutEventAttributes) return 'the workflow run timed out';
      if (last?.workflowExecutionCanceledEventAttributes) return 'cancelled through Temporal';
    } catch {
      // The history is not readable either; say what is known.
    }
    return queryProblem ?? `the execution is ${status.toLowerCase()}`;
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
  async pending(caller: { principal?: string; roles?: readonly string[] } = {}): Promise<PendingQueue> {
    // Only this deployment's changes: another task queue's workers may not answer queries.
    const waiting = await this.list({ state: 'awaiting_approval', limit: 200, ownTaskQueue: true });
    const out: PendingChange[] = [];
    const unreadable: { workflowId: string; reason: string }[] = [];
    for (const row of waiting) {
      // A change deleted since the listing is not pending; one that cannot be read is reported, never
      // hidden, and never stops the rest of the queue.
      const view = await this.status(row.workflowId).catch((err: unknown) => {
        if (err instanceof ChangeNotFoundError) return undefined;
        unreadable.push({
          workflowId: row.workflowId,
          reason: err instanceof Error ? err.message : String(err),
        });
        return undefined;
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
    return { changes: out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)), unreadable };
  }

  async decisionCard(id: string): Promise<string> {
    return renderDecisionCard(await this.status(id));
  }

  async list(
    options: { state?: ChangeState; limit?: number; ownTaskQueue?: boolean } = {},
  ): Promise<ListedChange[]> {
    const clauses = ["WorkflowType = 'changeWorkflow'"];
    if (options.state !== undefined) clauses.push(stateClause(options.state, stateKey.name));
    if (options.ownTaskQueue === true) clauses.push(`TaskQueue = '${this.taskQueue.replace(/'/g, '')}'`);
    const out: ListedChange[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND ') })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        workflowId: wf.workflowId,
        status: wf.status.name,
        state: effectiveState(wf.status.name, sa.get(stateKey) as ChangeState | undefined),
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
      throw new DecisionInputError(
        'planHash',
        `expected the plan hash you reviewed, 8 to 64 hex characters as the decision card shows it, received "${wanted.slice(0, 80)}"`,
      );
    const view = await this.status(id);
    if (isFinal(view.state)) throw new ChangeClosedError(id, view.state);
    // A prefix names the pending plan only if it is that plan's; otherwise it is sent as it is, and
    // the change refuses it (plan_hash_mismatch) and records the attempt in its evidence.
    const pending = view.approval?.planHash;
    const planHash = wanted.length < 64 && pending?.startsWith(wanted) === true ? pending : wanted;
    const signed = signDecision(
      options.key,
      { workflowId: workflowIdFor(id), planHash, decision: options.decision, reason: options.reason },
      options.validForSeconds,
    );
    try {
      const verdict = await this.handle(id).executeUpdate(decideUpdate, {
        args: [signed],
        updateId: options.requestId ?? `decide:${randomUUID()}`,
      });
      return { verdict, planHash };
    } catch (err) {
      // It closed between the look and the send.
      const now = await this.status(id).catch(() => undefined);
      if (now !== undefined && isFinal(now.state)) throw new ChangeClosedError(id, now.state);
      throw err;
    }
  }

  /** Freezes, incidents, break-glass and exceptions: people's overrides of a scope. */
  get overrides(): OverrideClient {
    return new OverrideClient(this.client, this.taskQueue);
  }

  /** Budgets, queue, locks and breaker of one scope's governor (`countersign governor status`). */
  governorStatus(scope: Scope): Promise<GovernorStatus> {
    return readGovernorStatus(this.client, this.taskQueue, scope);
  }

  /** Admits a change from its review queue now (signed by `options.key`), over the budget. */
  async admitFromQueue(
    id: string,
    options: GovernorActionOptions,
  ): Promise<{ admitted: boolean; message: string; scopes: Scope[] }> {
    const view = await this.status(id);
    if (isFinal(view.state)) throw new ChangeClosedError(id, view.state);
    return admitFromQueue(this.client, this.taskQueue, view, options);
  }

  /** Resets a scope's circuit breaker (signed by `options.key`). */
  resetBreaker(scope: Scope, options: GovernorActionOptions): Promise<{ reset: boolean; message: string }> {
    return resetBreaker(this.client, this.taskQueue, scope, options);
  }

  async evidence(id: string): Promise<{ entries: readonly EvidenceEntry[]; check: ChainCheck }> {
    const snapshot = await this.snapshot(id);
    const entries = snapshot.evidence ?? (await this.handle(id).query(evidenceQuery));
    return { entries, check: verifyChain(entries) };
  }
}
