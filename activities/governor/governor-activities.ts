import type { Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import pLimit from 'p-limit';

type LimitFunction = ReturnType<typeof pLimit>;
import type { GovernorAsk, GovernorReply } from '../../src/governor/ask';
import type { AcquireAnswer, AdmitAnswer, EscalateAnswer, Flag } from '../../src/governor/governor-state';
import { limitsFor, scopeIsGoverned } from '../../src/governor/limits';
import type { Scope } from '../../src/governor/scope';
import { governorWorkflowId, scopesOf } from '../../src/governor/scope';
import type { PolicySource } from '../policy/policy-store';

export interface GovernorActivityDeps {
  readonly client: Client;
  readonly policy: PolicySource;
  readonly taskQueue: string;
  readonly logger: Logger;
  /** History events after which a governor continues-as-new (tests lower it). */
  readonly governorHistoryLimit?: number;
}

/**
 * The bridge between change workflows and governors. A workflow cannot send an update to another
 * workflow, so this activity does, with update-with-start (a governor starts on first use). It
 * reads the policy in force and hands each governor its scope's limits with the question.
 */
/**
 * Temporal admits at most 10 updates in flight per workflow (history.maxInFlightUpdates) and
 * refuses the rest. This worker sends at most this many to one governor at a time; the rest queue
 * here, in order, instead of failing and backing off for seconds.
 */
const inFlightPerGovernor = 6;
const inFlightRefusal = /in-flight updates/i;

export function createGovernorActivities(deps: GovernorActivityDeps) {
  const limiters = new Map<string, LimitFunction>();
  const limiterFor = (workflowId: string): LimitFunction => {
    let limiter = limiters.get(workflowId);
    if (limiter === undefined) {
      limiter = pLimit(inFlightPerGovernor);
      limiters.set(workflowId, limiter);
    }
    return limiter;
  };

  const ask = <T>(scope: Scope, update: string, askId: string, payload: unknown): Promise<T> => {
    const workflowId = governorWorkflowId(scope, deps.taskQueue);
    return limiterFor(workflowId)(async () => {
      // Other workers may fill the governor's in-flight slots: wait briefly and try again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await sendUpdate<T>(scope, workflowId, update, askId, payload);
        } catch (err) {
          if (!inFlightRefusal.test((err as Error).message) || attempt >= 50) throw err;
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
        }
      }
    });
  };

  const sendUpdate = async <T>(
    scope: Scope,
    workflowId: string,
    update: string,
    askId: string,
    payload: unknown,
  ): Promise<T> => {
    const startWorkflowOperation = new WithStartWorkflowOperation('governorWorkflow', {
      workflowId,
      taskQueue: deps.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [
        {
          scope,
          ...(deps.governorHistoryLimit === undefined ? {} : { historyLimit: deps.governorHistoryLimit }),
        },
      ],
    });
    // Cancelled with the activity (worker shutdown, timeout): an update waiting on a governor no
    // worker serves any more must not hold the worker's shutdown open.
    const context = Context.current();
    return Promise.race([
      deps.client.withAbortSignal(context.cancellationSignal, () =>
        deps.client.workflow.executeUpdateWithStart<Workflow, T, [unknown]>(update, {
          args: [payload],
          updateId: `${askId}/${scope.kind}`,
          startWorkflowOperation,
        }),
      ),
      context.cancelled,
    ]);
  };

  return {
    async askGovernors(request: GovernorAsk): Promise<GovernorReply> {
      const loaded = await deps.policy();
      const scopes = scopesOf(request.target)
        .map((scope) => ({ scope, limits: limitsFor(loaded.policy, scope) }))
        .filter(({ scope, limits }) => scopeIsGoverned(limits, scope));
      const { changeId, askId } = request;
      const flags: Flag[] = [];
      switch (request.op) {
        case 'admit': {
          for (const { scope, limits } of scopes) {
            const answer = await ask<AdmitAnswer>(scope, 'admit', askId, {
              changeId,
              rrset: request.rrset,
              limits,
            });
            if (answer.verdict === 'queued') return { verdict: 'wait', hold: answer.hold, flags };
            flags.push(...answer.flags);
          }
          return { verdict: 'go', hold: null, flags };
        }
        case 'acquire': {
          const granted: Scope[] = [];
          for (const { scope, limits } of scopes) {
            const answer = await ask<AcquireAnswer>(scope, 'acquire', askId, {
              changeId,
              route: request.route,
              rrset: scope.kind === 'zone' ? request.rrset : null,
              recordsTouched: request.recordsTouched,
              before: request.before,
              after: request.after,
              limits,
            });
            if (answer.verdict === 'reroute') {
              // Wider scopes charged this change as automatic: it no longer is.
              for (const wider of granted) await ask<null>(wider, 'refundAutomatic', askId, { changeId });
              return { verdict: 'reroute', hold: answer.hold, flags: [...flags, ...answer.flags] };
            }
            if (answer.verdict === 'wait') return { verdict: 'wait', hold: answer.hold, flags };
            granted.push(scope);
            flags.push(...answer.flags);
          }
          return { verdict: 'go', hold: null, flags };
        }
        case 'escalate': {
          for (const { scope, limits } of scopes) {
            const answer = await ask<EscalateAnswer>(scope, 'escalate', askId, {
              changeId,
              key: request.key,
              limits,
            });
            if (answer.verdict === 'suppressed') return { verdict: 'suppressed', hold: answer.hold, flags };
          }
          return { verdict: 'go', hold: null, flags };
        }
        case 'unlock': {
          const zone = scopes.find(({ scope }) => scope.kind === 'zone');
          if (zone !== undefined) await ask<null>(zone.scope, 'unlock', askId, { changeId });
          return { verdict: 'go', hold: null, flags };
        }
        case 'release': {
          for (const { scope } of scopes)
            await ask<null>(scope, 'release', askId, {
              changeId,
              outcome: request.outcome,
              rrset: scope.kind === 'zone' ? request.rrset : null,
              before: request.before,
              after: request.after,
              summary: request.summary.slice(0, 2000),
            });
          return { verdict: 'go', hold: null, flags };
        }
      }
    },

    /** Whether a change workflow still runs: a lock whose lease ended is kept only for a live holder. */
    async isChangeRunning(changeId: string): Promise<boolean> {
      try {
        const described = await deps.client.workflow.getHandle(changeId).describe();
        return described.status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        deps.logger.warn(
          {
            changeId,
            error: (err as Error).message,
            workflowId: Context.current().info.workflowExecution?.workflowId,
          },
          'could not tell whether a lock holder still runs',
        );
        throw err;
      }
    },
  };
}

export type GovernorActivities = ReturnType<typeof createGovernorActivities>;
