import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import type { SignedDecision } from '../src/approvals/signed-decision';
import { FailureType } from '../src/failures';
import type { Outcome } from '../src/governor/effects';
import type { GovernorState } from '../src/governor/governor-state';
import { overridesOf } from '../src/governor/governor-state';
import {
  BreakGlassRequestSchema,
  EndBreakGlassSchema,
  ExceptionRefSchema,
  FreezeRequestSchema,
  GrantExceptionSchema,
  IncidentRequestSchema,
  ReviewBreakGlassSchema,
  SignedIncidentSchema,
  SignedOnlySchema,
  UseBreakGlassSchema,
} from '../src/governor/protocol';
import type { GovernorAction } from '../src/governor/scope';
import { formatScope, governorActionText } from '../src/governor/scope';
import { hashOf } from '../src/hash';
import type { ActiveOverrides } from '../src/overrides/active-overrides';
import { activeOverrides } from '../src/overrides/active-overrides';
import type { OverrideLimits } from '../src/overrides/override-limits';
import type { ActionAnswer } from '../src/overrides/overrides-state';
import {
  approveException,
  closeIncident,
  completeReview,
  endBreakGlass,
  freeze,
  grantException,
  openIncident,
  revokeException,
  startBreakGlass,
  unfreeze,
  useBreakGlass,
} from '../src/overrides/overrides-state';
import { admitMessage } from '../src/payloads/message-intake';
import {
  activeOverridesQuery,
  approveExceptionUpdate,
  breakGlassUpdate,
  endBreakGlassUpdate,
  freezeUpdate,
  grantExceptionUpdate,
  incidentUpdate,
  reviewBreakGlassUpdate,
  revokeExceptionUpdate,
  unfreezeUpdate,
  useBreakGlassUpdate,
} from './governor-messages';

export interface OverrideContext {
  readonly state: GovernorState;
  readonly apply: <A>(outcome: Outcome<A>) => A;
  readonly record: (kind: 'refused', actor: string, summary: string) => void;
  /** Verifies a signed action; returns who signed and which scopes they may act on. */
  readonly verifyHuman: (
    signed: SignedDecision,
    action: string,
    roles: readonly string[],
    decisions?: readonly ('approve' | 'reject')[],
  ) => Promise<{ principal: string; scopes?: readonly string[] }>;
  readonly overrideLimits: () => Promise<OverrideLimits>;
  readonly verifyWebhook: (
    body: string,
    signature: string,
  ) => Promise<
    | { ok: true; body: { type: string; id: string; title: string; scopes: string[] } }
    | { ok: false; message: string }
  >;
}

const refusal = (message: string) =>
  ApplicationFailure.create({ type: FailureType.GovernorActionRefused, message, nonRetryable: true });

function scopeGlobMatches(glob: string, scope: string): boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(scope);
}

/** The freezes, break-glass grants and exceptions in force in this governor's scope now. */
export function overridesInForce(state: GovernorState): ActiveOverrides {
  return activeOverrides(state.overrides, formatScope(state.scope), Date.now());
}

/**
 * People's overrides of this scope: freeze, incidents, break-glass and its review, exceptions.
 * Each is signed for this governor and the exact action, by a person whose role the policy allows
 * and whose directory entry covers this scope. Every refusal is kept as a governor event too.
 */
export function registerOverrideHandlers(ctx: OverrideContext): void {
  const { state } = ctx;
  const scope = formatScope(state.scope);
  const o = () => overridesOf(state);

  async function signedAction<T extends { signed: SignedDecision }>(
    payload: unknown,
    schema: z.ZodType<T>,
    what: string,
    action: (v: T) => GovernorAction,
    roles: (limits: OverrideLimits) => readonly string[] | null,
    rolesKey: string,
    carryOut: (v: T, who: string, limits: OverrideLimits, now: number) => Outcome<ActionAnswer>,
  ): Promise<ActionAnswer> {
    const claimed = (p: unknown): string => {
      const principal = (p as { signed?: { payload?: { principal?: unknown } } } | null)?.signed?.payload
        ?.principal;
      return typeof principal === 'string' ? principal.slice(0, 128) : 'unknown';
    };
    const refuse = (message: string): never => {
      o().counters.refused += 1;
      ctx.record('refused', claimed(payload), `${what} refused: ${message}`);
      throw refusal(`${what} refused: ${message}`);
    };
    const admitted = admitMessage(payload, schema);
    if (!admitted.ok) return refuse(admitted.refusal.message);
    const value = admitted.value;
    let limits: OverrideLimits;
    try {
      limits = await ctx.overrideLimits();
    } catch {
      return refuse('the policy could not be read; nothing is overridden while it cannot (fail closed)');
    }
    const allowed = roles(limits);
    if (allowed === null) return refuse(`the policy lets nobody do this (${rolesKey} is unset)`);
    let who: { principal: string; scopes?: readonly string[] };
    try {
      const act = action(value);
      // Only a review is ever signed as a rejection; every other override is signed as an approval.
      const decisions: ('approve' | 'reject')[] =
        typeof act === 'object' && 'reviewBreakGlass' in act ? ['approve', 'reject'] : ['approve'];
      who = await ctx.verifyHuman(value.signed, governorActionText(act), allowed, decisions);
    } catch (err) {
      return refuse(err instanceof ApplicationFailure ? err.message : String(err));
    }
    if (who.scopes !== undefined && !who.scopes.some((g) => scopeGlobMatches(g, scope)))
      return refuse(`${who.principal} may act on ${who.scopes.join(', ')} only, not ${scope}`);
    const answer = ctx.apply(carryOut(value, who.principal, limits, Date.now()));
    if (!answer.ok) {
      ctx.record('refused', who.principal, `${what} refused: ${answer.message}`);
      throw refusal(answer.message);
    }
    return answer;
  }

  setHandler(freezeUpdate, (p) =>
    signedAction(
      p,
      FreezeRequestSchema,
      'freeze',
      (v) => ({ freeze: { until: v.until, incident: v.incident } }),
      (l) => l.freeze?.roles ?? null,
      'overrides.freeze.roles',
      (v, who, limits, now) =>
        freeze(
          o(),
          {
            principal: who,
            reason: v.signed.payload.reason,
            until: v.until === null ? null : Date.parse(v.until),
            incident: v.incident,
          },
          limits,
          scope,
          now,
        ),
    ),
  );
  setHandler(unfreezeUpdate, (p) =>
    signedAction(
      p,
      SignedOnlySchema,
      'unfreeze',
      () => 'unfreeze',
      (l) => l.freeze?.roles ?? null,
      'overrides.freeze.roles',
      (v, who, _limits, now) =>
        unfreeze(o(), { principal: who, reason: v.signed.payload.reason }, scope, now),
    ),
  );
  setHandler(incidentUpdate, async (p) => {
    const admitted = admitMessage(p, IncidentRequestSchema);
    if (admitted.ok && 'webhook' in admitted.value) {
      const { body, signature } = admitted.value.webhook;
      const verified = await ctx.verifyWebhook(body, signature);
      const refuse = (message: string): never => {
        o().counters.refused += 1;
        ctx.record('refused', 'incident webhook', `incident webhook refused: ${message}`);
        throw refusal(`incident webhook refused: ${message}`);
      };
      if (!verified.ok) return refuse(verified.message);
      const hook = verified.body;
      if (!hook.scopes.includes(scope)) return refuse(`the incident does not name ${scope}`);
      const limits = await ctx.overrideLimits();
      if (limits.incidents === null)
        return refuse('the policy does not accept incidents (overrides.incidents is unset)');
      const now = Date.now();
      const answer = ctx.apply(
        hook.type === 'incident.opened'
          ? openIncident(
              o(),
              { id: hook.id, title: hook.title, principal: 'incident webhook', via: 'webhook' },
              limits,
              scope,
              now,
            )
          : closeIncident(
              o(),
              { id: hook.id, principal: 'incident webhook', reason: 'resolved in the incident tool' },
              scope,
              now,
            ),
      );
      if (!answer.ok) return refuse(answer.message);
      return answer;
    }
    return signedAction(
      p,
      SignedIncidentSchema,
      'incident',
      (v) => ({ incident: { op: v.op, id: v.id } }),
      (l) => l.incidents?.roles ?? null,
      'overrides.incidents.roles',
      (v, who, limits, now) =>
        v.op === 'open'
          ? openIncident(
              o(),
              { id: v.id, title: v.title || v.signed.payload.reason, principal: who, via: 'cli' },
              limits,
              scope,
              now,
            )
          : closeIncident(o(), { id: v.id, principal: who, reason: v.signed.payload.reason }, scope, now),
    );
  });
  setHandler(breakGlassUpdate, (p) =>
    signedAction(
      p,
      BreakGlassRequestSchema,
      'break-glass',
      (v) => ({ breakGlass: { seconds: v.seconds, incident: v.incident } }),
      (l) => l.breakGlass?.roles ?? null,
      'overrides.breakGlass.roles',
      (v, who, limits, now) =>
        startBreakGlass(
          o(),
          { principal: who, reason: v.signed.payload.reason, incident: v.incident, seconds: v.seconds },
          limits,
          scope,
          now,
        ),
    ),
  );
  setHandler(endBreakGlassUpdate, (p) =>
    signedAction(
      p,
      EndBreakGlassSchema,
      'end break-glass',
      (v) => ({ endBreakGlass: v.grantId }),
      (l) => l.breakGlass?.roles ?? null,
      'overrides.breakGlass.roles',
      (v, who, _limits, now) =>
        endBreakGlass(
          o(),
          { principal: who, reason: v.signed.payload.reason, grantId: v.grantId },
          scope,
          now,
        ),
    ),
  );
  setHandler(reviewBreakGlassUpdate, (p) =>
    signedAction(
      p,
      ReviewBreakGlassSchema,
      'break-glass review',
      (v) => ({ reviewBreakGlass: v.grantId }),
      (l) => (l.breakGlass === null ? null : l.breakGlass.review.roles),
      'overrides.breakGlass',
      (v, who, _limits, now) =>
        completeReview(
          o(),
          {
            grantId: v.grantId,
            principal: who,
            decision: v.signed.payload.decision,
            reason: v.signed.payload.reason,
          },
          scope,
          now,
        ),
    ),
  );
  setHandler(grantExceptionUpdate, (p) =>
    signedAction(
      p,
      GrantExceptionSchema,
      'exception grant',
      (v) => ({ grantException: hashOf(v.spec) }),
      (l) => l.exceptions?.roles ?? null,
      'overrides.exceptions.roles',
      (v, who, limits, now) => grantException(o(), { spec: v.spec, principal: who }, limits, scope, now),
    ),
  );
  setHandler(approveExceptionUpdate, (p) =>
    signedAction(
      p,
      ExceptionRefSchema,
      'exception approval',
      (v) => ({
        approveException: {
          id: v.id,
          spec: hashOf(
            o().exceptions.find((e) => e.spec.id === v.id && e.status === 'proposed')?.spec ?? null,
          ),
        },
      }),
      (l) => l.exceptions?.roles ?? null,
      'overrides.exceptions.roles',
      (v, who, _limits, now) => approveException(o(), { id: v.id, principal: who }, scope, now),
    ),
  );
  setHandler(revokeExceptionUpdate, (p) =>
    signedAction(
      p,
      ExceptionRefSchema,
      'exception revocation',
      (v) => ({ revokeException: v.id }),
      (l) => l.exceptions?.roles ?? null,
      'overrides.exceptions.roles',
      (v, who, _limits, now) =>
        revokeException(o(), { id: v.id, principal: who, reason: v.signed.payload.reason }, scope, now),
    ),
  );
  setHandler(useBreakGlassUpdate, (p) => {
    const admitted = admitMessage(p, UseBreakGlassSchema);
    if (!admitted.ok)
      throw ApplicationFailure.create({
        type: FailureType.InvalidGovernorRequest,
        message: `useBreakGlass refused: ${admitted.refusal.message}`,
        nonRetryable: true,
      });
    return ctx.apply(useBreakGlass(o(), admitted.value, scope, Date.now()));
  });
  setHandler(activeOverridesQuery, () => overridesInForce(state));
}
