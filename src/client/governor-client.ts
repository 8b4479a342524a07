import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { GovernorStatus } from '../governor/status';
import type { Scope } from '../governor/scope';
import { governorActionText, governorWorkflowId, scopesOf } from '../governor/scope';
import { hashOf } from '../hash';
import type { ChangeView } from '../change/view';
import { governorStatusQuery, humanAdmitUpdate, resetBreakerUpdate } from '../../workflows/governor-messages';
import type { ApproverKeyFile } from './approver-keys';
import { signDecision } from './approver-keys';

export { GovernorActionError, GovernorNotFoundError } from './errors';
import { GovernorActionError, GovernorNotFoundError } from './errors';

export async function readGovernorStatus(
  client: Client,
  taskQueue: string,
  scope: Scope,
): Promise<GovernorStatus> {
  try {
    return await client.workflow.getHandle(governorWorkflowId(scope, taskQueue)).query(governorStatusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new GovernorNotFoundError(scope);
    throw err;
  }
}

async function signedUpdate<R>(send: () => Promise<R>, scope: Scope): Promise<R> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new GovernorNotFoundError(scope);
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
      throw new GovernorActionError(err.cause.message);
    throw err;
  }
}

export interface GovernorActionOptions {
  readonly key: ApproverKeyFile;
  readonly reason: string;
  readonly validForSeconds?: number;
}

/**
 * Admits a queued change now, over its scope's proposal budget (it is still counted). The change
 * may wait in its zone's, tenant's or the global queue: the first that holds it admits it.
 */
export async function admitFromQueue(
  client: Client,
  taskQueue: string,
  view: ChangeView,
  options: GovernorActionOptions,
): Promise<{ admitted: boolean; message: string; scopes: Scope[] }> {
  // Queued in several scopes at once, it waits for each: every queue that holds it lets it go.
  const messages: string[] = [];
  const admittedIn: Scope[] = [];
  for (const scope of scopesOf(view.recommendation.target)) {
    const workflowId = governorWorkflowId(scope, taskQueue);
    const signed = signDecision(
      options.key,
      {
        workflowId,
        planHash: hashOf(governorActionText({ admit: view.workflowId })),
        decision: 'approve',
        reason: options.reason,
      },
      options.validForSeconds,
    );
    const answer = await signedUpdate(
      () =>
        client.workflow
          .getHandle(workflowId)
          .executeUpdate(humanAdmitUpdate, { args: [{ changeId: view.workflowId, signed }] }),
      scope,
    ).catch((err: unknown) => {
      if (err instanceof GovernorNotFoundError) return { admitted: false, message: err.message };
      throw err;
    });
    if (answer.admitted) {
      admittedIn.push(scope);
      messages.push(answer.message);
    }
  }
  if (admittedIn.length > 0) return { admitted: true, message: messages.join('; '), scopes: admittedIn };
  return {
    admitted: false,
    message: `${view.workflowId} is in no review queue (state ${view.state})`,
    scopes: [],
  };
}

/** Closes a scope's circuit breaker: a verified human, with a reason, after looking at what failed. */
export async function resetBreaker(
  client: Client,
  taskQueue: string,
  scope: Scope,
  options: GovernorActionOptions,
): Promise<{ reset: boolean; message: string }> {
  const workflowId = governorWorkflowId(scope, taskQueue);
  const signed = signDecision(
    options.key,
    {
      workflowId,
      planHash: hashOf(governorActionText('reset')),
      decision: 'approve',
      reason: options.reason,
    },
    options.validForSeconds,
  );
  return signedUpdate(
    () => client.workflow.getHandle(workflowId).executeUpdate(resetBreakerUpdate, { args: [signed] }),
    scope,
  );
}
