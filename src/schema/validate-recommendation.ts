import type { z } from 'zod';
import { isApex, isInZone, nameProblem, toAbsolute } from '../dns/names';
import { recordTypeSpec } from '../dns/record-types';
import type { Issue } from '../issues';
import { describeReceived, formatIssues, formatPath } from '../issues';
import { Recommendation } from './recommendation';

export type ValidationResult = { ok: true; value: Recommendation } | { ok: false; issues: Issue[] };

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function fromZod(input: unknown, error: z.ZodError): Issue[] {
  return error.issues.map((issue) => {
    const received = valueAt(input, issue.path);
    const base = { code: issue.code, path: formatPath(issue.path), message: issue.message };
    if (issue.code === 'unrecognized_keys') {
      return {
        ...base,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
        expected: 'only the documented fields',
      };
    }
    if (issue.code === 'invalid_type') {
      const missing = received === undefined;
      return {
        ...base,
        code: missing ? 'missing_field' : 'invalid_type',
        message: missing ? 'required field is missing' : 'wrong type',
        expected: issue.expected,
        received: missing ? 'nothing' : describeReceived(received),
      };
    }
    return { ...base, received: describeReceived(received) };
  });
}

/**
 * Validates and normalises a recommendation: names become lowercase and absolute, record data
 * canonical and sorted, duplicates removed. The same change written two ways normalises to one
 * value, so idempotency compares meaning, not formatting.
 */
export function validateRecommendation(input: unknown): ValidationResult {
  const parsed = Recommendation.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fromZod(input, parsed.error) };
  const rec = parsed.data;
  const issues: Issue[] = [];

  const zoneProblem = nameProblem(rec.target.zone, false);
  if (zoneProblem !== undefined) {
    issues.push({
      code: 'invalid_zone',
      path: 'target.zone',
      message: zoneProblem,
      expected: 'a zone apex such as example.com.',
      received: describeReceived(rec.target.zone),
    });
  }
  const zone = toAbsolute(rec.target.zone);
  const change = rec.change;
  const spec = recordTypeSpec(change.type);

  const ownerProblem = nameProblem(change.name, true);
  if (ownerProblem !== undefined) {
    issues.push({
      code: 'invalid_name',
      path: 'change.name',
      message: ownerProblem,
      expected: 'a domain name',
      received: describeReceived(change.name),
    });
  } else if (zoneProblem === undefined && !isInZone(change.name, zone)) {
    issues.push({
      code: 'name_outside_zone',
      path: 'change.name',
      message: `name is outside the target zone ${zone}`,
      expected: `a name ending in ${zone}`,
      received: describeReceived(change.name),
    });
  } else if (!spec.allowedAtApex && isApex(change.name, zone)) {
    issues.push({
      code: 'type_not_allowed_at_apex',
      path: 'change.type',
      message: `${spec.type} is not allowed at the zone apex`,
      expected: 'a name below the apex',
      received: describeReceived(change.name),
    });
  } else if (spec.apexOnly === true && !isApex(change.name, zone)) {
    issues.push({
      code: 'type_only_at_apex',
      path: 'change.name',
      message: `${spec.type} belongs at the zone apex (${zone})`,
      expected: `the apex ${zone}`,
      received: describeReceived(change.name),
    });
  }

  let records: string[] = [];
  if (change.kind === 'dns.upsert_rrset') {
    change.records.forEach((input, index) => {
      const result = spec.parse(input);
      if (result.ok) records.push(result.content);
      else {
        issues.push({
          code: 'invalid_rdata',
          path: `change.records[${index}]`,
          message: `not valid ${spec.type} data${result.problem === undefined ? '' : `: ${result.problem}`}`,
          expected: result.expected,
          received: describeReceived(input),
        });
      }
    });
    records = [...new Set(records)].sort();
    if (spec.singleton && records.length > 1) {
      issues.push({
        code: 'too_many_records',
        path: 'change.records',
        message: `${spec.type} holds exactly one record`,
        expected: '1 record',
        received: `${records.length} records`,
      });
    }
  }

  if (issues.length > 0) return { ok: false, issues };
  const normalizedChange =
    change.kind === 'dns.upsert_rrset'
      ? { ...change, name: toAbsolute(change.name), records }
      : { ...change, name: toAbsolute(change.name) };
  return { ok: true, value: { ...rec, target: { ...rec.target, zone }, change: normalizedChange } };
}

/** Thrown when a recommendation is invalid; carries every issue found. */
export class RecommendationValidationError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid recommendation:\n${formatIssues(issues)}`);
    this.name = 'RecommendationValidationError';
  }
}
