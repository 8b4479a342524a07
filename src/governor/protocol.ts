import { z } from 'zod';
import { SignedDecision } from '../approvals/signed-decision';
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

export const HumanAdmitSchema = z.strictObject({ changeId, signed: SignedDecision });
