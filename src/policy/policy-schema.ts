import { z } from 'zod';
import { Environment, Tier } from '../schema/primitives';
import { recordTypeNames } from '../dns/record-types';
import { knownKinds, recordClasses } from './catalog';
import { durationPattern } from './duration';

/**
 * The policy file: versioned YAML validated by this schema (published as JSON Schema for editor
 * completion). Rules are data; `evaluate.ts` gives them their meaning, `lint.ts` checks them.
 */
const duration = z.string().regex(durationPattern, 'a duration such as 90s, 15m, 4h, 30d or 1h30m');
const share = z.number().min(0).max(1);
const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'lowercase letters, digits, ".", "_" or "-"');
const glob = z.string().min(1).max(254);

/** A numeric condition: every bound given must hold. */
export const Range = z
  .strictObject({
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
  })
  .refine((r) => Object.keys(r).length > 0, 'at least one of gt, gte, lt, lte');

export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** A time window in UTC: the days, and/or a time-of-day span (which may wrap past midnight). */
export const TimeWindow = z.strictObject({
  days: z.array(Weekday).min(1).optional(),
  between: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM-HH:MM (UTC)')
    .optional(),
});

export const Match = z.strictObject({
  environment: z.array(Environment).min(1).optional(),
  tenant: z.array(glob).min(1).optional(),
  zone: z.array(glob).min(1).optional().describe('Globs on the absolute zone name, e.g. "*.example.com."'),
  zoneLabels: z
    .record(z.string(), z.string())
    .optional()
    .describe('Labels the zone must carry (policy `zones` section).'),
  tenantLabels: z.record(z.string(), z.string()).optional(),
  kind: z
    .array(z.enum(knownKinds as [string, ...string[]]))
    .min(1)
    .optional(),
  name: z.array(glob).min(1).optional().describe('Globs on the absolute owner name; "*" spans labels.'),
  apex: z.boolean().optional(),
  wildcard: z.boolean().optional(),
  type: z.array(z.enum(recordTypeNames)).min(1).optional(),
  class: z.array(z.enum(recordClasses)).min(1).optional(),
  operation: z
    .array(z.enum(['create', 'update', 'delete']))
    .min(1)
    .optional(),
  ttlDelta: Range.optional().describe('TTL after minus TTL before, seconds.'),
  recordsTouched: Range.optional(),
  zoneShare: Range.optional().describe("Share (0..1) of the zone's records the plan touches."),
  confidence: Range.optional(),
  incident: z.boolean().optional().describe('True when the recommendation names an incident.'),
  unlocks: z
    .boolean()
    .optional()
    .describe(
      'True when the change removes a registrar lock (client transfer, update or delete prohibition).',
    ),
  window: TimeWindow.optional(),
});

export { Tier };

export const RoleRequirement = z.strictObject({ role: id, count: z.number().int().min(1).max(5) });

export const EscalationStage = z.strictObject({ after: duration, notify: z.array(id).min(1) });

export const Outcome = z.strictObject({
  tier: Tier,
  approvals: z.array(RoleRequirement).max(5).optional(),
  coolingOff: duration.optional(),
  approvalExpiry: duration.optional(),
  executionWindow: duration.optional(),
  escalation: z.array(EscalationStage).max(3).optional(),
});

export const Rule = z.strictObject({
  id,
  description: z.string().min(1).max(500),
  match: Match,
  decide: Outcome,
});

export const Defaults = z.strictObject({
  tier: Tier.describe('The tier when no rule matches (fail closed: 2 or stricter is wise).'),
  approvalExpiry: duration,
  onExpiry: z.literal('reject'),
  coolingOff: duration,
  executionWindow: duration,
  escalation: z.array(EscalationStage).max(3),
  verificationPatience: duration
    .optional()
    .describe(
      'After a write, how long to keep verifying while authoritative servers do not answer (none serving other data) before escalating instead of rolling back. Default 10m.',
    ),
});

export const BlastRadius = z.strictObject({
  minZoneRecords: z.number().int().min(1),
  maxUpdateShare: share,
  maxDeleteShare: share,
  tier: Tier,
  zones: z
    .record(
      z.string(),
      z.strictObject({
        minZoneRecords: z.number().int().min(1).optional(),
        maxUpdateShare: share.optional(),
        maxDeleteShare: share.optional(),
      }),
    )
    .optional(),
});

export const TwoKey = z.strictObject({
  autoMinConfidence: share,
  autoMaxRecordsTouched: z.number().int().min(0),
  lowScopeEnvironments: z.array(Environment),
});

export const NeverLists = z.strictObject({
  automatic: z.strictObject({
    kinds: z.array(z.enum(knownKinds as [string, ...string[]])),
    classes: z.array(z.enum(recordClasses)),
  }),
  allowed: z.array(z.enum(['apex_soa_delete', 'apex_ns_delete', 'zone_delete'])),
});

/** Which channels' approvals count. Signed decisions always do; the Temporal UI's unsigned signal only where listed. */
export const ApprovalChannels = z.strictObject({
  ui: z.strictObject({
    tiers: z
      .array(z.union([z.literal(2), z.literal(3)]))
      .describe('Tiers at which a Temporal UI approval counts.'),
    environments: z
      .array(Environment)
      .describe('Environments in which a Temporal UI approval counts, whatever the tier.'),
  }),
});

/** A rolling-window budget: at most `limit` of something per `window`, counted per scope. */
const Budget = z.strictObject({ limit: z.number().int().min(0).max(1_000_000), window: duration });

/** The budgets of one scope (a zone, a tenant, or everything). Unset: unlimited. */
export const ScopeBudgets = z.strictObject({
  proposals: Budget.optional().describe(
    'Recommendations admitted; beyond it a change waits in the scope review queue, in arrival order.',
  ),
  automaticExecutions: Budget.optional().describe(
    'Changes executed without approval; beyond it a change routes to approval (proposal-only).',
  ),
  approvedExecutions: Budget.optional().describe('Approved changes executed; beyond it a change waits.'),
  escalations: Budget.optional().describe(
    'Escalation notifications sent; beyond them they are recorded, not sent.',
  ),
  recordsTouched: Budget.optional().describe(
    'Records written by automatic executions; beyond it: proposal-only.',
  ),
});

export const Breaker = z.strictObject({
  failures: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe('Failed verifications, rollbacks or execution failures that open it.'),
  window: duration.describe('Within this rolling window.'),
  halfOpenAfter: duration
    .optional()
    .describe(
      'Let one automatic change through as a trial after this long; unset: only a verified human resets it.',
    ),
  resetRoles: z.array(id).min(1).optional().describe('Roles allowed to reset it; unset: any human approver.'),
  notify: z.array(id).min(1).optional().describe('Who is escalated to when it opens (default sre).'),
});

export const Flapping = z.strictObject({
  repeats: z
    .number()
    .int()
    .min(2)
    .max(1000)
    .describe('The same RRset proposed this many times within `window`.'),
  window: duration,
  reversalWindow: duration.describe('A change that undoes one executed this recently.'),
  tier: z.union([z.literal(2), z.literal(3)]).describe('The tier a flagged change is raised to (at least).'),
});

/** What governs one scope: its budgets and its circuit breaker. */
export const ScopeRules = z.strictObject({
  budgets: ScopeBudgets.optional(),
  breaker: Breaker.optional().describe('Unset: no breaker in this scope.'),
});

export const Governor = z.strictObject({
  zone: ScopeRules.optional().describe('Every zone, unless `zones` says otherwise.'),
  tenant: ScopeRules.optional().describe('Every tenant, unless `tenants` says otherwise.'),
  global: ScopeRules.optional().describe('All changes together.'),
  zones: z
    .record(z.string(), ScopeRules)
    .optional()
    .describe(
      'Per zone (absolute name): budgets replace the zone defaults key by key; a breaker replaces it.',
    ),
  tenants: z.record(z.string(), ScopeRules).optional(),
  flapping: Flapping.optional().describe('Repeated and reversing suggestions per RRset; unset: not flagged.'),
  lease: duration
    .optional()
    .describe(
      'How long an RRset lock is held before the governor checks that its holder still runs. Default 10m.',
    ),
});

const RetroReview = z.strictObject({
  within: duration.describe(
    'A different operator must complete the review this long after the break-glass ends.',
  ),
  roles: z
    .array(id)
    .min(1)
    .optional()
    .describe('Roles that may review; unset: any human approver but the holder.'),
  escalation: z
    .array(EscalationStage)
    .max(3)
    .optional()
    .describe(
      'Reminders while the review is open (after the break-glass ends); it is also escalated when overdue.',
    ),
});

/** Human overrides that expire by themselves: freezes, incidents, break-glass, exceptions. */
export const Overrides = z.strictObject({
  freeze: z
    .strictObject({
      roles: z.array(id).min(1).describe('Roles that may freeze and unfreeze a scope (signed).'),
      overrideRoles: z
        .array(id)
        .optional()
        .describe('An approved change with an approver holding one of these roles executes during a freeze.'),
      maxDuration: duration.optional().describe('Longest --until a person may set; unset: until unfrozen.'),
    })
    .optional()
    .describe('Unset: nobody may freeze.'),
  incidents: z
    .strictObject({
      roles: z.array(id).min(1).describe('Roles that may open and close incidents from the CLI (signed).'),
      freeze: z.boolean().describe('An incident declared for a scope freezes it until the incident closes.'),
      exemptLinked: z
        .boolean()
        .optional()
        .describe(
          'Changes naming the incident (incidentId) are its remediation and are not frozen by it. Default true.',
        ),
    })
    .optional()
    .describe('Unset: incidents cannot be declared.'),
  breakGlass: z
    .strictObject({
      roles: z.array(id).min(1).describe('Roles that may break the glass for a scope (signed).'),
      maxDuration: duration.describe('Longest --for; it always expires on a durable timer.'),
      review: RetroReview,
    })
    .optional()
    .describe('Unset: nobody may break the glass.'),
  exceptions: z
    .strictObject({
      roles: z.array(id).min(1).describe('Roles that may grant, approve and revoke exceptions (signed).'),
      maxDuration: duration.describe('Longest expiry an exception may have.'),
      noticeBefore: duration.describe('The owner is notified this long before an exception expires.'),
      reviewEvery: duration.describe('The owner is reminded to review an active exception this often.'),
    })
    .optional()
    .describe('Unset: no exceptions may be granted.'),
});

export const Policy = z.strictObject({
  version: z
    .string()
    .min(1)
    .max(64)
    .describe('Declared version; goes into every decision with the content hash.'),
  description: z.string().max(2000).optional(),
  roles: z.array(id).min(1).describe('Every role a rule or escalation may name.'),
  zones: z.record(z.string(), z.strictObject({ labels: z.record(z.string(), z.string()) })).optional(),
  tenants: z.record(z.string(), z.strictObject({ labels: z.record(z.string(), z.string()) })).optional(),
  defaults: Defaults,
  budget: z.strictObject({ maxRecordsTouched: z.number().int().min(1) }),
  twoKey: TwoKey,
  never: NeverLists,
  blastRadius: BlastRadius,
  approvalChannels: ApprovalChannels.optional().describe(
    'Default: the Temporal UI counts at tier 2 and in staging/development.',
  ),
  governor: Governor.optional().describe(
    'Limits across changes: budgets per scope and window, the circuit breaker, flapping. Unset: no budgets; RRset locks still apply.',
  ),
  dnssec: z
    .strictObject({
      breakingChange: z
        .union([z.literal(3), z.literal('blocked')])
        .describe(
          'A change that breaks a chain of trust (removes the key a parent DS points to, or the last DS of a signed child): dual control (3) or blocked.',
        ),
    })
    .optional()
    .describe('Default: breaking changes are tier 3.'),
  overrides: Overrides.optional().describe(
    'Who may freeze scopes, declare incidents, break the glass and grant exceptions, and for how long. Unset: nobody.',
  ),
  rules: z.array(Rule),
});

/** A file in a policy directory beside `policy.yaml` that only adds rules. */
export const PolicyFragment = z.strictObject({ rules: z.array(Rule) });

export type Policy = z.infer<typeof Policy>;
export type Rule = z.infer<typeof Rule>;
export type Match = z.infer<typeof Match>;
export type Range = z.infer<typeof Range>;
export type Outcome = z.infer<typeof Outcome>;
export type Governor = z.infer<typeof Governor>;
export type Overrides = z.infer<typeof Overrides>;
export type ScopeBudgets = z.infer<typeof ScopeBudgets>;
export type ScopeRules = z.infer<typeof ScopeRules>;
