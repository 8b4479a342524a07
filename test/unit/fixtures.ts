import { exampleRecommendation } from '../../src/examples';
import type { RRset } from '../../src/plan/plan';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import type { Change, Environment, Recommendation } from '../../src/schema/recommendation';

/** Shared builders for the unit tests: small, explicit, and valid unless a test breaks them. */

export const zone = 'example.com.';

/** The two DNS kinds: tests of RRset planning read their name and type. */
export type RrsetChange = Extract<Change, { kind: 'dns.upsert_rrset' | 'dns.delete_rrset' }>;

export function upsert(name: string, type: string, records: string[], ttl = 300): RrsetChange {
  return { kind: 'dns.upsert_rrset', name, type: type as RrsetChange['type'], ttl, records };
}

export function remove(name: string, type: string): RrsetChange {
  return { kind: 'dns.delete_rrset', name, type: type as RrsetChange['type'] };
}

export function rec(environment: Environment, change: Change, confidence = 0.95): Recommendation {
  return exampleRecommendation({ id: 'rec-1', zone, environment, change, confidence });
}

export function rrset(name: string, type: string, records: string[], ttl = 300): RRset {
  return { name, type, ttl, records };
}

/** `count` distinct IPv4 addresses in 192.0.2.0/24 starting at `.from`. */
export function addresses(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `192.0.2.${from + i}`);
}

/** A recommendation run through validation, as the workflow sees it; throws if invalid. */
export function validRec(environment: Environment, change: Change, confidence = 0.95): Recommendation {
  const result = validateRecommendation(rec(environment, change, confidence));
  if (!result.ok) throw new Error(`fixture is invalid: ${JSON.stringify(result.issues)}`);
  return result.value;
}
