import { z } from 'zod';
import { SignedDecision } from '../approvals/signed-decision';
import { ExceptionSpec, exceptionId } from '../overrides/exception';
import { budgetKinds } from './limits';

/**
 * The governor's inputs. Change workflows reach it through an activity, but a governor is a
 * workflow anyone with Temporal access can send an update to: every update is admitted through
 * these schemas first, and a refusal names the field.
 */
const changeId = z.string().min(1).max(256);
const rrset = z.string().min(1).max(300);
const digest = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');
const seconds = z
  .number()
  .int()
  .min(0)
  .max(10 * 365 * 86400);

const roles = z.array(z.string().max(80)).max(20);

const BudgetLimit = z.strictObject({ limit: z.number().int().min(0), windowSeconds: seconds.min(1) });

export const ScopeLimitsSchema = z.strictObject({
  policyVersion: z.string().min(1).max(64),
  budgets: z.partialRecord(z.enum(budgetKinds), BudgetLimit),
  breaker: z
    .strictObject({
      failures: z.number().int().min(1),
      windowSeconds: seconds.min(1),
      halfOpenAfterSeconds: seconds.nullable(),
      resetRoles: z.array(z.string().max(80)).max(20),
      notify: z.array(z.string().max(80)).max(20),
    })
    .nullable(),
  flapping: z
    .strictObject({
      repeats: z.number().int().min(2),
      windowSeconds: seconds.min(1),
      reversalWindowSeconds: seconds,
      tier: z.union([z.literal(2), z.literal(3)]),
    })
    .nullable(),
  leaseSeconds: seconds.min(1),
  overrides: z
    .strictObject({
      freeze: z
        .strictObject({ roles: roles, overrideRoles: roles, maxSeconds: seconds.nullable() })
        .nullable(),
      incidents: z.strictObject({ roles, freeze: z.boolean(), exemptLinked: z.boolean() }).nullable(),
      breakGlass: z
        .strictObject({
          roles,
          maxSeconds: seconds,
          review: z.strictObject({
            withinSeconds: seconds,
            roles,
            escalation: z.array(z.strictObject({ afterSeconds: seconds, notify: roles })).max(3),
          }),
        })
        .nullable(),
      exceptions: z
        .strictObject({ roles, maxSeconds: seconds, noticeSeconds: seconds, reviewEverySeconds: seconds })
        .nullable(),
    })
    .optional(),
});

export const AdmitRequestSchema = z.strictObject({ changeId, rrset, limits: ScopeLimitsSchema });

export const AcquireRequestSchema = z.strictObject({
  changeId,
  route: z.enum(['auto', 'approved']),
  rrset: rrset.nullable(),
  recordsTouched: z.number().int().min(0).max(100_000),
  before: digest,
  after: digest,
  limits: ScopeLimitsSchema,
  incident: z.string().max(128).nullable().optional(),
  approverRoles: z.array(roles).max(10).optional(),
});

/** An automatic change's admission with the write's permit (see `admitWithPermit`). */
export const AdmitWithPermitRequestSchema = AdmitRequestSchema.extend({
  permit: AcquireRequestSchema.omit({ changeId: true, limits: true }),
});

export const ReleaseRequestSchema = z.strictObject({
  changeId,
  outcome: z.enum(['executed', 'failed', 'not_executed']),
  rrset: rrset.nullable(),
  before: digest,
  after: digest,
  summary: z.string().max(2000),
});

export const EscalateRequestSchema = z.strictObject({
  changeId,
  key: z.string().min(1).max(100),
  limits: ScopeLimitsSchema,
});

export const ChangeRefSchema = z.strictObject({ changeId });

/**
 * A change opens an approval request. `roles`: the roles whose approval it needs (role names,
 * deduplicated), empty when any approver will do; absent from changes started before roles were
 * sent, and from a re-routed change whose request is not open yet.
 */
export const ReviewRequestSchema = z.strictObject({
  changeId,
  roles: z.array(z.string().min(1).max(80)).max(32).optional(),
});

export const HumanAdmitSchema = z.strictObject({ changeId, signed: SignedDecision });

const incidentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an incident id (letters, digits, ".", "_", ":", "-")');
const grantId = z.string().regex(/^bg-[0-9]{1,9}$/, 'a break-glass id such as bg-1');

/** People's overrides: each carries a decision signed for this governor and this exact action. */
export const FreezeRequestSchema = z.strictObject({
  signed: SignedDecision,
  until: z.iso.datetime({ offset: true }).nullable(),
  incident: incidentIdSchema.nullable(),
});
export const SignedOnlySchema = z.strictObject({ signed: SignedDecision });
/** A person declares or closes an incident from the CLI. */
export const SignedIncidentSchema = z.strictObject({
  op: z.enum(['open', 'close']),
  id: incidentIdSchema,
  title: z.string().max(500),
  signed: SignedDecision,
});
/** The incident tool's webhook, relayed as received: the worker checks its HMAC. */
export const WebhookIncidentSchema = z.strictObject({
  webhook: z.strictObject({
    body: z.string().max(64 * 1024),
    signature: z.string().regex(/^sha256=[0-9a-f]{64}$/, 'sha256=<hex HMAC of the body>'),
  }),
});
export const IncidentRequestSchema = z.union([SignedIncidentSchema, WebhookIncidentSchema]);
export const BreakGlassRequestSchema = z.strictObject({
  signed: SignedDecision,
  seconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 86400),
  incident: incidentIdSchema.nullable(),
});
export const EndBreakGlassSchema = z.strictObject({ signed: SignedDecision, grantId: grantId.nullable() });
export const ReviewBreakGlassSchema = z.strictObject({ signed: SignedDecision, grantId });
export const GrantExceptionSchema = z.strictObject({ signed: SignedDecision, spec: ExceptionSpec });
export const ExceptionRefSchema = z.strictObject({ signed: SignedDecision, id: exceptionId });
export const UseBreakGlassSchema = z.strictObject({ changeId, principal: z.string().min(1).max(128) });

/** An incident tool's webhook body (HMAC-SHA256 signed with the shared secret). */
export const IncidentWebhookBody = z.strictObject({
  type: z.enum(['incident.opened', 'incident.resolved']),
  id: incidentIdSchema,
  title: z.string().max(500).default(''),
  scopes: z.array(z.string().max(300)).min(1).max(50),
  sentAt: z.iso.datetime({ offset: true }),
});
export type IncidentWebhookBody = z.infer<typeof IncidentWebhookBody>;
