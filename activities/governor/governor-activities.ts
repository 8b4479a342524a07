import type { Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/failures';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import pLimit from 'p-limit';

type LimitFunction = ReturnType<typeof pLimit>;
import type { GovernorAsk, GovernorReply, PermitAsk } from '../../src/governor/ask';
import type {
  AcquireAnswer,
  AdmitAnswer,
  AdmitWithPermitAnswer,
  EscalateAnswer,
  PermitRequest,
  WithOverrides,
} from '../../src/governor/governor-state';
import { limitsFor, scopeIsGoverned } from '../../src/governor/limits';
import type { Scope } from '../../src/governor/scope';
import { describeScope, governorWorkflowId, scopesOf } from '../../src/governor/scope';
import type { PolicySource } from '../policy/policy-store';
import type { OverrideLimits } from '../../src/overrides/override-limits';
import { overrideLimitsOf } from '../../src/overrides/override-limits';
import type { ActiveOverrides } from '../../src/overrides/active-overrides';
import { mergeOverrides, noActiveOverrides } from '../../src/overrides/active-overrides';
import type { BreakGlassView } from '../../src/overrides/overrides-state';
import type { IncidentWebhookBody } from '../../src/governor/protocol';
import { verifyIncidentWebhook } from './incident-webhook';

export interface GovernorActivityDeps {
  readonly client: Client;
  readonly policy: PolicySource;
  readonly taskQueue: string;
  readonly logger: Logger;
  /** History events after which a governor continues-as-new (tests lower it). */
  readonly governorHistoryLimit?: number;
  /** The incident tool's webhook secret (HMAC-SHA256); unset: webhook bodies are refused. */
  readonly incidentWebhookSecret?: string;
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
          // A governor that refuses the question itself will refuse it again: no retry can help.
          if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
            throw ApplicationFailure.create({
              type: err.cause.type ?? FailureType.InvalidGovernorRequest,
              message: `the ${describeScope(scope)} governor refused ${update}: ${err.cause.message}`,
              nonRetryable: true,
            });
          if (!inFlightRefusal.test((err as Error).message) || attempt >= 50) throw err;
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
        }
      }
    });
  };

  /**
   * Temporal buffers very few queries for a workflow that is busy (a governor in a storm), and
   * refuses the rest. Callers for one governor share a query instead: while one is in flight, the
   * next callers wait for a single fresh one started after it, so every answer is newer than its ask.
   */
  const queries = new Map<
    string,
    { inFlight: Promise<ActiveOverrides> | null; queued: Promise<ActiveOverrides> | null }
  >();
  const queryOverrides = async (workflowId: string): Promise<ActiveOverrides> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.client.workflow.getHandle(workflowId).query<ActiveOverrides>('activeOverrides');
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return noActiveOverrides;
        if (!/query buffer is full|ResourceExhausted/i.test((err as Error).message) || attempt >= 20)
          throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  };
  const overridesOf = (workflowId: string): Promise<ActiveOverrides> => {
    let entry = queries.get(workflowId);
    if (entry === undefined) {
      entry = { inFlight: null, queued: null };
      queries.set(workflowId, entry);
    }
    const slot = entry;
    const start = (): Promise<ActiveOverrides> => {
      const query: Promise<ActiveOverrides> = queryOverrides(workflowId).finally(() => {
        if (slot.inFlight === query) slot.inFlight = null;
      });
      slot.inFlight = query;
      return query;
    };
    if (slot.inFlight === null) return start();
    slot.queued ??= slot.inFlight
      .catch(() => undefined)
      .then(() => {
        slot.queued = null;
        return start();
      });
    return slot.queued;
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

  /** One scope's part of a permit: only the zone's governor locks the RRset. */
  const permitFor = (scope: Scope, permit: PermitAsk): PermitRequest => ({
    route: permit.route,
    rrset: scope.kind === 'zone' ? permit.rrset : null,
    recordsTouched: permit.recordsTouched,
    before: permit.before,
    after: permit.after,
    ...(permit.incident === undefined ? {} : { incident: permit.incident }),
    ...(permit.approverRoles === undefined ? {} : { approverRoles: permit.approverRoles }),
  });

  /** The scopes' permits as one answer: any re-route wins, then any wait, else go. */
  const settlePermits = async (
    scopes: readonly { scope: Scope }[],
    answers: readonly AcquireAnswer[],
    askId: string,
    changeId: string,
  ): Promise<GovernorReply> => {
    const flags = answers.flatMap((a) => (a.verdict === 'wait' ? [] : a.flags));
    const rerouted = answers.find((a) => a.verdict === 'reroute');
    if (rerouted?.verdict === 'reroute') {
      // The change goes to people: every scope takes back its automatic charges and any lock it
      // granted meanwhile passes on (review does both, and lists the change as waiting). Its
      // approval request is not open yet: the review that opens it names the roles it needs.
      await Promise.all(
        scopes.map(({ scope }) => ask<null>(scope, 'review', `${askId}/review`, { changeId })),
      );
      return { verdict: 'reroute', hold: rerouted.hold, flags };
    }
    const waiting = answers.find((a) => a.verdict === 'wait');
    if (waiting?.verdict === 'wait') return { verdict: 'wait', hold: waiting.hold, flags };
    return { verdict: 'go', hold: null, flags };
  };

  /**
   * The overrides in force in a change's scopes, for its policy check. Each governor asked answers
   * with its own (one from a worker that predates that is queried); the scopes not asked (no
   * budgets, no breaker, overrides disabled) are queried while the governors answer, as before.
   */
  const overridesAlongside = (target: { tenant: string; zone: string }, asked: readonly Scope[]) => {
    const id = (scope: Scope) => governorWorkflowId(scope, deps.taskQueue);
    const askedIds = asked.map(id);
    const others = new Map(
      scopesOf(target)
        .filter((scope) => !askedIds.includes(id(scope)))
        .map((scope) => [id(scope), overridesOf(id(scope))] as const),
    );
    for (const read of others.values()) read.catch(() => undefined);
    return async (answers: readonly { readonly overrides?: ActiveOverrides }[]): Promise<ActiveOverrides> =>
      mergeOverrides(
        await Promise.all(
          scopesOf(target).map(async (scope) => {
            const i = askedIds.indexOf(id(scope));
            return (i === -1 ? others.get(id(scope)) : answers[i]?.overrides) ?? overridesOf(id(scope));
          }),
        ),
      );
  };

  /** The overrides in force in a change's scopes, each read from its governor. */
  const overridesIn = (target: { tenant: string; zone: string }): Promise<ActiveOverrides> =>
    overridesAlongside(target, [])([]);

  return {
    async askGovernors(request: GovernorAsk): Promise<GovernorReply> {
      const loaded = await deps.policy();
      const scopes = scopesOf(request.target)
        .map((scope) => ({ scope, limits: limitsFor(loaded.policy, scope) }))
        .filter(({ scope, limits }) => scopeIsGoverned(limits, scope));
      const { changeId, askId } = request;
      const wider = scopes.filter(({ scope }) => scope.kind !== 'zone');
      const zone = scopes.filter(({ scope }) => scope.kind === 'zone');
      switch (request.op) {
        case 'admit': {
          // The overrides come with the governors' answers (a queued change reads them again
          // when it is let go); a failed read fails the ask, which Temporal retries.
          const overrides =
            request.withOverrides === true
              ? overridesAlongside(
                  request.target,
                  scopes.map(({ scope }) => scope),
                )
              : null;
          const permit = request.permit;
          if (permit !== undefined) {
            const answers = await Promise.all(
              scopes.map(({ scope, limits }) =>
                ask<WithOverrides<AdmitWithPermitAnswer>>(scope, 'admitWithPermit', askId, {
                  changeId,
                  rrset: request.rrset,
                  limits,
                  permit: permitFor(scope, permit),
                }),
              ),
            );
            const queued = answers.find((a) => a.verdict === 'queued');
            if (queued?.verdict === 'queued') {
              // Where another scope let it through, what the permit granted goes back: a queued
              // change holds no lock and spends no automatic budget while it waits.
              await Promise.all(
                scopes
                  .filter((_, i) => answers[i]?.verdict === 'admitted')
                  .map(({ scope }) => ask<null>(scope, 'returnPermit', `${askId}/return`, { changeId })),
              );
              return { verdict: 'wait', hold: queued.hold, flags: [], admitted: false };
            }
            const admittedFlags = answers.flatMap((a) => (a.verdict === 'admitted' ? a.flags : []));
            const settled = await settlePermits(
              scopes,
              answers.map((a) => (a as Extract<AdmitWithPermitAnswer, { verdict: 'admitted' }>).permit),
              askId,
              changeId,
            );
            // The zone's permit repeats the flags its admission raised: each is said once.
            const flags = [...admittedFlags, ...settled.flags].filter(
              (f, i, all) => all.findIndex((g) => g.kind === f.kind && g.message === f.message) === i,
            );
            return {
              ...settled,
              flags,
              admitted: true,
              ...(overrides === null ? {} : { overrides: await overrides(answers) }),
            };
          }
          // Every scope sees the proposal at once; the change waits on whichever queues it.
          const answers = await Promise.all(
            scopes.map(({ scope, limits }) =>
              ask<WithOverrides<AdmitAnswer>>(scope, 'admit', askId, {
                changeId,
                rrset: request.rrset,
                limits,
              }),
            ),
          );
          const queued = answers.find((a) => a.verdict === 'queued');
          if (queued?.verdict === 'queued') return { verdict: 'wait', hold: queued.hold, flags: [] };
          return {
            verdict: 'go',
            hold: null,
            flags: answers.flatMap((a) => (a.verdict === 'admitted' ? a.flags : [])),
            ...(overrides === null ? {} : { overrides: await overrides(answers) }),
          };
        }
        case 'acquire': {
          const acquireAt = ({ scope, limits }: (typeof scopes)[number]) =>
            ask<AcquireAnswer>(scope, 'acquire', askId, { changeId, ...permitFor(scope, request), limits });
          // An approved change may have to wait for a wider budget: it asks the zone (and takes the
          // RRset lock) only once they granted, so it never holds a lock while it waits. An automatic
          // change is never told to wait by a wider scope (only re-routed), so it asks all at once.
          let answers: AcquireAnswer[];
          if (request.route === 'auto') answers = await Promise.all(scopes.map(acquireAt));
          else {
            const first = await Promise.all(wider.map(acquireAt));
            answers = first.every((a) => a.verdict === 'granted')
              ? [...first, ...(await Promise.all(zone.map(acquireAt)))]
              : first;
          }
          return settlePermits(scopes, answers, askId, changeId);
        }
        case 'escalate': {
          const answers = await Promise.all(
            scopes.map(({ scope, limits }) =>
              ask<EscalateAnswer>(scope, 'escalate', askId, { changeId, key: request.key, limits }),
            ),
          );
          const suppressed = answers.find((a) => a.verdict === 'suppressed');
          if (suppressed?.verdict === 'suppressed')
            return { verdict: 'suppressed', hold: suppressed.hold, flags: [] };
          return { verdict: 'go', hold: null, flags: [] };
        }
        case 'review': {
          const payload = request.roles === undefined ? { changeId } : { changeId, roles: request.roles };
          await Promise.all(scopes.map(({ scope }) => ask<null>(scope, 'review', askId, payload)));
          return { verdict: 'go', hold: null, flags: [] };
        }
        case 'release': {
          await Promise.all(
            scopes.map(({ scope }) =>
              ask<null>(scope, 'release', askId, {
                changeId,
                outcome: request.outcome,
                rrset: scope.kind === 'zone' ? request.rrset : null,
                before: request.before,
                after: request.after,
                summary: request.summary.slice(0, 2000),
              }),
            ),
          );
          return { verdict: 'go', hold: null, flags: [] };
        }
      }
    },

    /** The overrides in force for a change's scopes (a scope without a governor has none). */
    activeOverrides: overridesIn,

    /** An approver of this change holds break-glass in one of its scopes: the grant, or null. */
    async useBreakGlass(request: {
      askId: string;
      changeId: string;
      principal: string;
      target: { tenant: string; zone: string };
    }): Promise<BreakGlassView | null> {
      for (const scope of [...scopesOf(request.target)].reverse()) {
        const workflowId = governorWorkflowId(scope, deps.taskQueue);
        try {
          const grant = await deps.client.workflow
            .getHandle(workflowId)
            .executeUpdate<BreakGlassView | null, [unknown]>('useBreakGlass', {
              args: [{ changeId: request.changeId, principal: request.principal }],
              updateId: `${request.askId}/${scope.kind}`,
            });
          if (grant !== null) return grant;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return null;
    },

    /** The override rules of the policy in force: who may freeze, break the glass, grant exceptions. */
    async overrideLimits(): Promise<OverrideLimits> {
      return overrideLimitsOf((await deps.policy()).policy);
    },

    /** Checks an incident tool's webhook body against the shared secret; never reveals the secret. */
    async verifyIncidentWebhook(
      body: string,
      signature: string,
    ): Promise<{ ok: true; body: IncidentWebhookBody } | { ok: false; message: string }> {
      return verifyIncidentWebhook(body, signature, deps.incidentWebhookSecret, Date.now());
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
