import { isApex, isWildcard } from '../dns/names';
import type { Recommendation } from '../schema/recommendation';
import type { Decision, Reason, Tier } from './decision';
import { routeOf, stricterTier } from './decision';

/**
 * The built-in routing used until a policy file is configured. Each rule is data: an id, a test
 * on the recommendation, the tier it demands and why. The most restrictive matching rule wins.
 */
export interface PolicyTimings {
  /** How long a request waits for approvals before it is rejected (fail closed). */
  readonly approvalExpirySeconds: number;
  /** Tier 3: delay after the last approval during which anyone may veto. */
  readonly coolingOffSeconds: number;
}

export const defaultTimings: PolicyTimings = { approvalExpirySeconds: 24 * 3600, coolingOffSeconds: 15 * 60 };

export const defaultPolicyVersion = 'builtin-default/1';

interface Rule {
  readonly id: string;
  readonly tier: Tier;
  readonly path: string;
  readonly value: (rec: Recommendation) => string;
  readonly matches: (rec: Recommendation) => boolean;
  readonly message: string;
  readonly threshold?: string;
}

const sensitiveTypes = new Set(['NS', 'MX', 'CAA']);
const isProduction = (rec: Recommendation) => rec.target.environment === 'production';
const autoConfidence = 0.9;

const rules: readonly Rule[] = [
  {
    id: 'never.soa',
    tier: 'blocked',
    path: 'change.type',
    value: (r) => r.change.type,
    matches: (r) => r.change.type === 'SOA',
    message: 'the SOA record is managed by the DNS server, never by AI recommendations',
  },
  {
    id: 'never.apex_ns_delete',
    tier: 'blocked',
    path: 'change',
    value: (r) => `${r.change.kind} ${r.change.name} NS`,
    matches: (r) =>
      r.change.kind === 'dns.delete_rrset' && r.change.type === 'NS' && isApex(r.change.name, r.target.zone),
    message: 'deleting the apex NS set would take the zone off the internet',
  },
  {
    id: 'production.low_confidence',
    tier: 'blocked',
    path: 'confidence',
    value: (r) => String(r.confidence),
    threshold: '< 0.5',
    matches: (r) => isProduction(r) && r.confidence < 0.5,
    message: 'confidence too low to act on production; the recommendation stays a proposal',
  },
  {
    id: 'any.very_low_confidence',
    tier: 'blocked',
    path: 'confidence',
    value: (r) => String(r.confidence),
    threshold: '< 0.3',
    matches: (r) => r.confidence < 0.3,
    message: 'confidence too low to act on; the recommendation stays a proposal',
  },
  {
    id: 'production.apex',
    tier: 3,
    path: 'change.name',
    value: (r) => r.change.name,
    matches: (r) => isProduction(r) && isApex(r.change.name, r.target.zone),
    message: 'production zone apex: dual control and a cooling-off delay',
  },
  {
    id: 'production.sensitive_type',
    tier: 3,
    path: 'change.type',
    value: (r) => r.change.type,
    matches: (r) => isProduction(r) && sensitiveTypes.has(r.change.type),
    message: 'production delegation, mail or CA authorisation record: dual control and a cooling-off delay',
  },
  {
    id: 'production.wildcard',
    tier: 3,
    path: 'change.name',
    value: (r) => r.change.name,
    matches: (r) => isProduction(r) && isWildcard(r.change.name),
    message: 'production wildcard: dual control and a cooling-off delay',
  },
  {
    id: 'production.delete',
    tier: 3,
    path: 'change.kind',
    value: (r) => r.change.kind,
    matches: (r) => isProduction(r) && r.change.kind === 'dns.delete_rrset',
    message: 'deleting production records: dual control and a cooling-off delay',
  },
  {
    id: 'production.default',
    tier: 2,
    path: 'target.environment',
    value: (r) => r.target.environment,
    matches: isProduction,
    message: 'production changes need a human approval, however confident the AI is',
  },
  {
    id: 'nonproduction.sensitive',
    tier: 2,
    path: 'change.type',
    value: (r) => r.change.type,
    matches: (r) =>
      !isProduction(r) && (sensitiveTypes.has(r.change.type) || isApex(r.change.name, r.target.zone)),
    message: 'apex, delegation, mail or CA authorisation record: one approval',
  },
  {
    id: 'nonproduction.low_confidence',
    tier: 2,
    path: 'confidence',
    value: (r) => String(r.confidence),
    threshold: `< ${autoConfidence}`,
    matches: (r) => !isProduction(r) && r.confidence < autoConfidence,
    message: 'confidence below the automatic threshold: one approval',
  },
  {
    id: 'staging.notify',
    tier: 1,
    path: 'target.environment',
    value: (r) => r.target.environment,
    matches: (r) => r.target.environment === 'staging',
    message: 'staging: automatic, with a notification',
  },
  {
    id: 'development.auto',
    tier: 0,
    path: 'target.environment',
    value: (r) => r.target.environment,
    matches: (r) => r.target.environment === 'development',
    message: 'development, high confidence, low scope: automatic',
  },
];

/** Evaluates the built-in policy. Pure and deterministic. */
export function classifyWithDefaultPolicy(
  rec: Recommendation,
  timings: PolicyTimings = defaultTimings,
): Decision {
  const matched = rules.filter((rule) => rule.matches(rec));
  const tier = matched.reduce<Tier>((acc, rule) => stricterTier(acc, rule.tier), 0);
  const winning = matched.filter((rule) => rule.tier === tier);
  const reasons: Reason[] = winning.map((rule) => ({
    rule: rule.id,
    path: rule.path,
    value: rule.value(rec),
    message: rule.message,
    ...(rule.threshold === undefined ? {} : { threshold: rule.threshold }),
  }));
  return {
    policyVersion: defaultPolicyVersion,
    tier,
    route: routeOf(tier),
    approvals: { count: tier === 3 ? 2 : tier === 2 ? 1 : 0, roles: [] },
    coolingOffSeconds: tier === 3 ? timings.coolingOffSeconds : 0,
    approvalExpirySeconds: timings.approvalExpirySeconds,
    onExpiry: 'reject',
    notify: tier !== 0,
    reasons,
  };
}
