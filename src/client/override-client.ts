import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { GovernorStatus } from '../governor/status';
import type { GovernorAction, Scope } from '../governor/scope';
import { formatScope, governorActionText, governorWorkflowId, parseScope } from '../governor/scope';
import { hashOf } from '../hash';
import type { ExceptionSpec } from '../overrides/exception';
import type { OverridesStatus } from '../overrides/overrides-status';
import type { OverrideAnswer } from '../../workflows/governor-messages';
import type { ApproverKeyFile } from './approver-keys';
import { signDecision } from './approver-keys';
import { GovernorActionError, GovernorNotFoundError, readGovernorStatus } from './governor-client';

export interface SignedOptions {
  readonly key: ApproverKeyFile;
  readonly reason: string;
  readonly decision?: 'approve' | 'reject';
  readonly validForSeconds?: number;
}

/**
 * People's overrides of a scope, sent to its governor by update-with-start (a scope nobody has
 * governed yet may still be frozen). Each is signed for that governor and the exact action.
 */
export class OverrideClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  private async send(
    scope: Scope,
    update: string,
    build: (workflowId: string) => unknown,
  ): Promise<OverrideAnswer> {
    const workflowId = governorWorkflowId(scope, this.taskQueue);
    const startWorkflowOperation = new WithStartWorkflowOperation('governorWorkflow', {
      workflowId,
      taskQueue: this.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ scope }],
    });
    try {
      return await this.client.workflow.executeUpdateWithStart<Workflow, OverrideAnswer, [unknown]>(update, {
        args: [build(workflowId)],
        startWorkflowOperation,
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
        throw new GovernorActionError(err.cause.message);
      throw err;
    }
  }

  private signed(workflowId: string, action: GovernorAction, options: SignedOptions) {
    return signDecision(
      options.key,
      {
        workflowId,
        planHash: hashOf(governorActionText(action)),
        decision: options.decision ?? 'approve',
        reason: options.reason,
      },
      options.validForSeconds,
    );
  }

  freeze(scope: Scope, options: SignedOptions & { until: string | null; incident: string | null }) {
    return this.send(scope, 'freeze', (id) => ({
      signed: this.signed(id, { freeze: { until: options.until, incident: options.incident } }, options),
      until: options.until,
      incident: options.incident,
    }));
  }

  unfreeze(scope: Scope, options: SignedOptions) {
    return this.send(scope, 'unfreeze', (id) => ({ signed: this.signed(id, 'unfreeze', options) }));
  }

  incident(scope: Scope, op: 'open' | 'close', incident: string, title: string, options: SignedOptions) {
    return this.send(scope, 'incident', (id) => ({
      op,
      id: incident,
      title,
      signed: this.signed(id, { incident: { op, id: incident } }, options),
    }));
  }

  /**
   * An incident tool's webhook, relayed as received: the body names the scopes, and each scope's
   * governor checks the signature (the worker holds the secret) and that it is named.
   */
  async incidentWebhook(
    body: string,
    signature: string,
  ): Promise<{ scope: string; answer: OverrideAnswer | { ok: false; message: string } }[]> {
    let scopes: string[] = [];
    try {
      const parsed = JSON.parse(body) as { scopes?: unknown };
      if (Array.isArray(parsed.scopes))
        scopes = parsed.scopes.filter((s): s is string => typeof s === 'string');
    } catch {
      throw new GovernorActionError('the webhook body is not JSON');
    }
    if (scopes.length === 0 || scopes.length > 50)
      throw new GovernorActionError('the webhook body names no scopes (1 to 50 expected in "scopes")');
    const results: { scope: string; answer: OverrideAnswer | { ok: false; message: string } }[] = [];
    for (const text of scopes) {
      const scope = parseScope(text);
      if ('error' in scope) {
        results.push({ scope: text, answer: { ok: false, message: scope.error } });
        continue;
      }
      try {
        results.push({
          scope: formatScope(scope),
          answer: await this.send(scope, 'incident', () => ({ webhook: { body, signature } })),
        });
      } catch (err) {
        if (!(err instanceof GovernorActionError)) throw err;
        results.push({ scope: formatScope(scope), answer: { ok: false, message: err.message } });
      }
    }
    return results;
  }

  breakGlass(scope: Scope, options: SignedOptions & { seconds: number; incident: string | null }) {
    return this.send(scope, 'breakGlass', (id) => ({
      signed: this.signed(
        id,
        { breakGlass: { seconds: options.seconds, incident: options.incident } },
        options,
      ),
      seconds: options.seconds,
      incident: options.incident,
    }));
  }

  endBreakGlass(scope: Scope, grantId: string | null, options: SignedOptions) {
    return this.send(scope, 'endBreakGlass', (id) => ({
      signed: this.signed(id, { endBreakGlass: grantId }, options),
      grantId,
    }));
  }

  reviewBreakGlass(scope: Scope, grantId: string, options: SignedOptions) {
    return this.send(scope, 'reviewBreakGlass', (id) => ({
      signed: this.signed(id, { reviewBreakGlass: grantId }, options),
      grantId,
    }));
  }

  grantException(scope: Scope, spec: ExceptionSpec, options: SignedOptions) {
    return this.send(scope, 'grantException', (id) => ({
      signed: this.signed(id, { grantException: hashOf(spec) }, options),
      spec,
    }));
  }

  /** The second key of a loosening exception: signs the exact spec the first approver proposed. */
  async approveException(scope: Scope, exceptionId: string, options: SignedOptions) {
    const status = await readGovernorStatus(this.client, this.taskQueue, scope);
    const proposed = status.overrides?.exceptions.find(
      (e) => e.id === exceptionId && e.status === 'proposed',
    );
    if (proposed === undefined)
      throw new GovernorActionError(`no exception ${exceptionId} awaits approval in ${formatScope(scope)}`);
    return this.send(scope, 'approveException', (id) => ({
      signed: this.signed(id, { approveException: { id: exceptionId, spec: proposed.specHash } }, options),
      id: exceptionId,
    }));
  }

  revokeException(scope: Scope, exceptionId: string, options: SignedOptions) {
    return this.send(scope, 'revokeException', (id) => ({
      signed: this.signed(id, { revokeException: exceptionId }, options),
      id: exceptionId,
    }));
  }

  /** Every exception of the given scopes, or of every governor of this deployment. */
  async listExceptions(scopes: readonly Scope[] | null): Promise<OverridesStatus['exceptions'][number][]> {
    const statuses: GovernorStatus[] = [];
    if (scopes !== null) {
      for (const scope of scopes) {
        // A scope nobody has governed yet has no exceptions.
        const status = await readGovernorStatus(this.client, this.taskQueue, scope).catch((err: unknown) => {
          if (err instanceof GovernorNotFoundError) return null;
          throw err;
        });
        if (status !== null) statuses.push(status);
      }
    } else {
      const prefix = `countersign-governor/${this.taskQueue}/`;
      for await (const wf of this.client.workflow.list({
        query: `WorkflowType = 'governorWorkflow' AND ExecutionStatus = 'Running'`,
      })) {
        if (!wf.workflowId.startsWith(prefix)) continue;
        const status = await this.client.workflow
          .getHandle(wf.workflowId)
          .query<GovernorStatus>('governorStatus')
          .catch(() => null);
        if (status !== null) statuses.push(status);
      }
    }
    return statuses.flatMap((s) => s.overrides?.exceptions ?? []);
  }
}
