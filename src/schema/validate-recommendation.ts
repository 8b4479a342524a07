import type { z } from 'zod';
import { nameProblem, toAbsolute } from '../dns/names';
import { kindOf } from '../kinds/kinds';
import type { Issue } from '../issues';
import { describeReceived, formatPath } from '../issues';
import { Recommendation } from './recommendation';

export { RecommendationValidationError } from './recommendation-validation-error';

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

const zoneRelative = ['name_outside_zone', 'type_not_allowed_at_apex', 'type_only_at_apex'];

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
  const normalised = kindOf(rec.change).normalise(rec.change, zone);
  if (!normalised.ok)
    // Against an invalid zone, "outside the zone" and apex rules say nothing new.
    issues.push(
      ...normalised.issues.filter((i) => zoneProblem === undefined || !zoneRelative.includes(i.code)),
    );
  if (issues.length > 0 || !normalised.ok) return { ok: false, issues };
  return { ok: true, value: { ...rec, target: { ...rec.target, zone }, change: normalised.change } };
}
