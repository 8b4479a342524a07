import { z } from 'zod';
import { exampleRecommendation } from '../examples';
import { formatIssue } from '../issues';
import type { RRset } from '../plan/plan';
import { computePlan, subjectOf } from '../kinds/kinds';
import { Change, Environment } from '../schema/recommendation';
import { validateRecommendation } from '../schema/validate-recommendation';
import type { Decision } from './decision';
import type { LoadedPolicy } from './evaluate';
import { evaluatePolicy } from './evaluate';
import { factsOf } from './facts';
import { Tier } from '../schema/primitives';

/**
 * Policy test cases: table-driven expected decisions, like unit tests for policy. A case names the
 * parts of a recommendation that matter; the rest comes from a complete example recommendation.
 */
export const PolicyCase = z.strictObject({
  name: z.string().min(1),
  recommendation: z.strictObject({
    target: z.strictObject({
      environment: Environment,
      zone: z.string().min(1),
      tenant: z.string().min(1).optional(),
    }),
    change: Change,
    confidence: z.number().min(0).max(1).optional(),
    incidentId: z.string().min(1).optional(),
    onBehalfOf: z.string().min(1).optional(),
  }),
  live: z
    .strictObject({ ttl: z.number().int(), records: z.array(z.string()).min(1) })
    .nullable()
    .optional()
    .describe('The live RRset; absent or null: it does not exist.'),
  zoneRecords: z.number().int().min(0).optional(),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Evaluation instant (time windows); default 2026-01-07T12:00:00Z, a Wednesday noon.'),
  expect: z.strictObject({
    tier: Tier,
    approvals: z.number().int().min(0).optional(),
    roles: z.array(z.string()).optional(),
    rules: z.array(z.string()).optional().describe('Rule ids that must be among the reasons.'),
    notRules: z.array(z.string()).optional().describe('Rule ids that must not be among the reasons.'),
  }),
});

export const PolicyCaseFile = z.strictObject({ cases: z.array(PolicyCase).min(1) });

export type PolicyCase = z.infer<typeof PolicyCase>;

export interface CaseDiff {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

export interface CaseResult {
  readonly name: string;
  readonly file: string;
  readonly ok: boolean;
  readonly diffs: readonly CaseDiff[];
  readonly decision?: Decision;
}

const defaultInstant = '2026-01-07T12:00:00Z';

export function runCase(loaded: LoadedPolicy, c: PolicyCase, file: string): CaseResult {
  const r = c.recommendation;
  const base = exampleRecommendation({
    id: 'policy-case',
    zone: r.target.zone,
    environment: r.target.environment,
    change: r.change,
    ...(r.confidence === undefined ? {} : { confidence: r.confidence }),
    ...(r.incidentId === undefined ? {} : { incidentId: r.incidentId }),
    ...(r.onBehalfOf === undefined ? {} : { onBehalfOf: r.onBehalfOf }),
  });
  const validated = validateRecommendation(
    r.target.tenant === undefined ? base : { ...base, target: { ...base.target, tenant: r.target.tenant } },
  );
  if (!validated.ok) {
    return {
      name: c.name,
      file,
      ok: false,
      diffs: [
        {
          field: 'recommendation',
          expected: 'a valid recommendation',
          actual: validated.issues.map(formatIssue).join('; '),
        },
      ],
    };
  }
  const rec = validated.value;
  const live: RRset | null =
    c.live === undefined || c.live === null
      ? null
      : { ...subjectOf(rec), ttl: c.live.ttl, records: c.live.records };
  const planned = computePlan(rec, live);
  if (!planned.ok)
    return {
      name: c.name,
      file,
      ok: false,
      diffs: [{ field: 'plan', expected: 'a change', actual: planned.message }],
    };
  const facts = factsOf(loaded.policy, rec, planned.plan, {
    zoneRecords: c.zoneRecords ?? null,
    now: new Date(c.at ?? defaultInstant),
  });
  const { decision } = evaluatePolicy(loaded, facts);
  const diffs: CaseDiff[] = [];
  const got = decision.reasons.map((reason) => reason.rule);
  if (decision.tier !== c.expect.tier)
    diffs.push({ field: 'tier', expected: String(c.expect.tier), actual: String(decision.tier) });
  if (c.expect.approvals !== undefined && decision.approvals.count !== c.expect.approvals) {
    diffs.push({
      field: 'approvals',
      expected: String(c.expect.approvals),
      actual: String(decision.approvals.count),
    });
  }
  if (c.expect.roles !== undefined) {
    const roles = decision.approvals.roles.map((x) => x.role).sort();
    const wanted = [...c.expect.roles].sort();
    if (roles.join(',') !== wanted.join(','))
      diffs.push({
        field: 'roles',
        expected: wanted.join(', ') || '(none)',
        actual: roles.join(', ') || '(none)',
      });
  }
  const missing = (c.expect.rules ?? []).filter((id) => !got.includes(id));
  if (missing.length > 0)
    diffs.push({
      field: 'rules',
      expected: `to include ${missing.join(', ')}`,
      actual: got.join(', ') || '(none)',
    });
  const unwanted = (c.expect.notRules ?? []).filter((id) => got.includes(id));
  if (unwanted.length > 0)
    diffs.push({
      field: 'notRules',
      expected: `not to include ${unwanted.join(', ')}`,
      actual: got.join(', '),
    });
  return { name: c.name, file, ok: diffs.length === 0, diffs, decision };
}

export function formatCaseResult(result: CaseResult): string {
  if (result.ok) return `  ok   ${result.name}`;
  const width = Math.max(...result.diffs.map((d) => d.field.length));
  return [
    `  FAIL ${result.name}  (${result.file})`,
    ...result.diffs.map(
      (d) => `         ${`${d.field}:`.padEnd(width + 1)} expected ${d.expected}, got ${d.actual}`,
    ),
  ].join('\n');
}
