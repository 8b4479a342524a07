import type { RecordClass } from './catalog';
import { criticalClasses, criticalKinds } from './catalog';
import type { Decision, Reason, RoleCount, Tier } from './decision';
import { routeOf, stricterTier, tierRank } from './decision';
import { parseDuration } from './duration';
import type { Facts } from './facts';
import type { Match, Policy, Range, Rule } from './policy-schema';
import type { ActiveException } from '../overrides/exception';
import { exceptionReason, exceptionsFor } from './exceptions';
import { globMatches } from './glob';

/** A parsed policy with its identity: declared version and content hash. */
/** A server restart or a short network outage passes within it; a lasting one reaches a human. */
const defaultVerificationPatience = '10m';

export interface LoadedPolicy {
  readonly policy: Policy;
  readonly hash: string;
  /** Where it came from, for messages (a file or directory). */
  readonly source: string;
}

/** One condition of a rule, evaluated: its name, the fact's value, the bound, and whether it held. */
export interface ConditionResult {
  readonly path: string;
  readonly value: string;
  readonly expected: string;
  readonly held: boolean;
}

export interface RuleResult {
  readonly rule: Rule;
  readonly matched: boolean;
  readonly conditions: readonly ConditionResult[];
}

export interface Evaluation {
  readonly decision: Decision;
  /** Every rule with the outcome of each of its conditions, in file order (for `policy explain`). */
  readonly rules: readonly RuleResult[];
}

export function describeRange(range: Range): string {
  const parts: string[] = [];
  if (range.gt !== undefined) parts.push(`> ${range.gt}`);
  if (range.gte !== undefined) parts.push(`>= ${range.gte}`);
  if (range.lt !== undefined) parts.push(`< ${range.lt}`);
  if (range.lte !== undefined) parts.push(`<= ${range.lte}`);
  return parts.join(' and ');
}

function inRange(range: Range, value: number): boolean {
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function inWindow(window: NonNullable<Match['window']>, now: Date): boolean {
  const dayMatches = (day: number) =>
    window.days === undefined || window.days.includes(weekdays[(day + 7) % 7] as (typeof weekdays)[number]);
  if (window.between === undefined) return dayMatches(now.getUTCDay());
  const [from, to] = window.between.split('-').map((hm) => {
    const [h, m] = hm.split(':').map(Number);
    return (h as number) * 60 + (m as number);
  }) as [number, number];
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  if (from <= to) return dayMatches(now.getUTCDay()) && minute >= from && minute < to;
  // A window that wraps past midnight belongs to the day it starts: Friday 22:00-06:00 covers Saturday 01:00.
  return (minute >= from && dayMatches(now.getUTCDay())) || (minute < to && dayMatches(now.getUTCDay() - 1));
}

const list = (values: readonly string[]) => values.join(' | ');

/** Evaluates each condition a rule sets. A condition on an unknown fact does not hold. */
function conditionsOf(match: Match, f: Facts): ConditionResult[] {
  const out: ConditionResult[] = [];
  const add = (path: string, value: string, expected: string, held: boolean) =>
    out.push({ path, value, expected, held });
  const oneOf = (
    path: string,
    wanted: readonly string[] | undefined,
    value: string,
    test = (w: string) => w === value,
  ) => {
    if (wanted !== undefined) add(path, value, `one of ${list(wanted)}`, wanted.some(test));
  };
  const range = (path: string, r: Range | undefined, value: number | null) => {
    if (r !== undefined)
      add(
        path,
        value === null ? 'unknown' : String(Number(value.toFixed(4))),
        describeRange(r),
        value !== null && inRange(r, value),
      );
  };
  const flag = (path: string, wanted: boolean | undefined, value: boolean) => {
    if (wanted !== undefined) add(path, String(value), String(wanted), wanted === value);
  };
  const labels = (
    path: string,
    wanted: Record<string, string> | undefined,
    have: Readonly<Record<string, string>>,
  ) => {
    if (wanted === undefined) return;
    for (const [key, value] of Object.entries(wanted))
      add(`${path}.${key}`, have[key] ?? '(unset)', value, have[key] === value);
  };
  oneOf('environment', match.environment, f.environment);
  oneOf('tenant', match.tenant, f.tenant, (g) => globMatches(g.endsWith('.') ? g : `${g}.`, `${f.tenant}.`));
  oneOf('zone', match.zone, f.zone, (g) => globMatches(g, f.zone));
  labels('zoneLabels', match.zoneLabels, f.zoneLabels);
  labels('tenantLabels', match.tenantLabels, f.tenantLabels);
  oneOf('kind', match.kind, f.kind);
  oneOf('name', match.name, f.name, (g) => globMatches(g, f.name));
  flag('apex', match.apex, f.apex);
  flag('wildcard', match.wildcard, f.wildcard);
  oneOf('type', match.type, f.type);
  if (match.class !== undefined)
    add(
      'class',
      list(f.classes),
      `one of ${list(match.class)}`,
      match.class.some((c) => f.classes.includes(c)),
    );
  if (match.operation !== undefined)
    add(
      'operation',
      f.operation ?? 'unknown',
      `one of ${list(match.operation)}`,
      f.operation !== null && match.operation.includes(f.operation),
    );
  range('ttlDelta', match.ttlDelta, f.ttlDelta);
  range('recordsTouched', match.recordsTouched, f.recordsTouched);
  range('zoneShare', match.zoneShare, f.zoneShare);
  range('confidence', match.confidence, f.confidence);
  flag('incident', match.incident, f.incident);
  flag('unlocks', match.unlocks, f.unlocks);
  if (match.window !== undefined) {
    const expected = [
      match.window.days?.join(','),
      match.window.between === undefined ? undefined : `${match.window.between} UTC`,
    ]
      .filter((x) => x !== undefined)
      .join(' ');
    add('window', f.now.toISOString(), expected, inWindow(match.window, f.now));
  }
  return out;
}

export function evaluateRule(rule: Rule, facts: Facts): RuleResult {
  const conditions = conditionsOf(rule.match, facts);
  return { rule, matched: conditions.every((c) => c.held), conditions };
}

interface Raise {
  readonly tier: Tier;
  readonly reason: Reason;
}

/** The guards that hold whatever the rules say: never-allowed, critical kinds, blast radius, budget, two-key. */
function guards(policy: Policy, f: Facts, tierSoFar: Tier): Raise[] {
  const raises: Raise[] = [];
  const apexDelete = f.apex && f.operation === 'delete';
  const neverAllowed: [string, boolean][] = [
    ['apex_soa_delete', apexDelete && f.type === 'SOA'],
    ['apex_ns_delete', apexDelete && f.type === 'NS'],
    ['zone_delete', f.kind === 'dns.delete_zone'],
  ];
  for (const [entry, applies] of neverAllowed) {
    // Deleting the apex SOA or NS set takes the zone down: blocked whether or not the policy lists it.
    if (applies && (entry !== 'zone_delete' || policy.never.allowed.includes(entry))) {
      raises.push({
        tier: 'blocked',
        reason: {
          rule: `never.allowed.${entry}`,
          path: 'change',
          value: `${f.kind} ${f.name} ${f.type}`,
          message: 'never allowed: this would take the zone or domain down',
        },
      });
    }
  }
  const criticalClass = f.classes.find(
    (c) => criticalClasses.includes(c) || policy.never.automatic.classes.includes(c),
  );
  const criticalKind = criticalKinds.includes(f.kind) || policy.never.automatic.kinds.includes(f.kind);
  if (criticalClass !== undefined || criticalKind) {
    const what = criticalClass ?? f.kind;
    raises.push({
      tier: 2,
      reason: {
        rule: `never.automatic.${what as RecordClass}`,
        path: criticalClass === undefined ? 'change.kind' : 'change.type',
        value: criticalClass === undefined ? f.kind : f.type,
        message: 'AI-originated changes of this kind are never automatic',
      },
    });
  }
  if (f.recordsTouched !== null && f.recordsTouched > policy.budget.maxRecordsTouched) {
    raises.push({
      tier: 'blocked',
      reason: {
        rule: 'budget.max_records_touched',
        path: 'plan',
        value: String(f.recordsTouched),
        threshold: `> ${policy.budget.maxRecordsTouched}`,
        message: 'the plan touches more records than one change may',
      },
    });
  }
  const zoneOverride = Object.entries(policy.blastRadius.zones ?? {}).find(
    ([zone]) => (zone.endsWith('.') ? zone : `${zone}.`).toLowerCase() === f.zone,
  )?.[1];
  const radius = { ...policy.blastRadius, ...zoneOverride };
  if (
    f.zoneShare !== null &&
    f.zoneRecords !== null &&
    f.zoneRecords >= radius.minZoneRecords &&
    f.operation !== null &&
    f.operation !== 'create'
  ) {
    const limit = f.operation === 'delete' ? radius.maxDeleteShare : radius.maxUpdateShare;
    if (f.zoneShare > limit) {
      raises.push({
        tier: radius.tier,
        reason: {
          rule: `blast_radius.${f.operation}_share`,
          path: 'plan',
          value: `${(f.zoneShare * 100).toFixed(1)}% of ${f.zoneRecords} records`,
          threshold: `> ${(limit * 100).toFixed(0)}%`,
          message: 'the plan touches a large share of the zone',
        },
      });
    }
  }
  if (f.chainBreak !== null) {
    raises.push({
      tier: policy.dnssec?.breakingChange ?? 3,
      reason: {
        rule: 'dnssec.breaks_chain',
        path: 'plan',
        value: `${f.type} ${f.name}`,
        message: f.chainBreak,
      },
    });
  }
  if (tierRank(tierSoFar) <= 1) {
    const twoKey = policy.twoKey;
    const checks: [string, string, string, string, boolean][] = [
      [
        'confidence',
        'confidence',
        String(f.confidence),
        `< ${twoKey.autoMinConfidence}`,
        f.confidence < twoKey.autoMinConfidence,
      ],
      [
        'environment',
        'target.environment',
        f.environment,
        `not one of ${list(twoKey.lowScopeEnvironments)}`,
        !twoKey.lowScopeEnvironments.includes(f.environment as never),
      ],
      [
        'scope',
        'plan',
        String(f.recordsTouched),
        `> ${twoKey.autoMaxRecordsTouched} records`,
        f.recordsTouched !== null && f.recordsTouched > twoKey.autoMaxRecordsTouched,
      ],
      ['apex', 'change.name', f.name, 'the zone apex', f.apex],
      ['delete', 'plan.operation', 'delete', 'a deletion', f.operation === 'delete'],
    ];
    for (const [id, path, value, threshold, fails] of checks) {
      if (fails)
        raises.push({
          tier: 2,
          reason: {
            rule: `two_key.${id}`,
            path,
            value,
            threshold,
            message: 'automatic execution needs high confidence AND low scope',
          },
        });
    }
  }
  return raises;
}

const defaultChannels = { ui: { tiers: [2], environments: ['staging', 'development'] } };

/** Whether an unsigned Temporal UI approval counts for this change. */
function uiCounts(policy: Policy, f: Facts, tier: Tier): boolean {
  const ui = (policy.approvalChannels ?? defaultChannels).ui;
  return (
    (ui.tiers as readonly unknown[]).includes(tier) ||
    // Never for dual control: tier 3 exists so that one compromised account does not suffice.
    (tier !== 3 && (ui.environments as readonly string[]).includes(f.environment))
  );
}

function minimumApprovals(tier: Tier): number {
  return tier === 3 ? 2 : tier === 2 ? 1 : 0;
}

function reasonOf(result: RuleResult): Reason {
  const conditions = result.conditions;
  const bounds = conditions.filter((c) => c.expected.startsWith('>') || c.expected.startsWith('<'));
  return {
    rule: result.rule.id,
    path: conditions.map((c) => c.path).join(', ') || '(any)',
    value: conditions.map((c) => c.value).join(', ') || '(any)',
    message: result.rule.description,
    ...(bounds.length === 0 ? {} : { threshold: bounds.map((c) => `${c.path} ${c.expected}`).join('; ') }),
  };
}

/**
 * Evaluates a policy: the most restrictive matching rule sets the tier, then the guards may only
 * raise it. Requirements merge over all matching rules, most restrictive first: the largest count
 * per role, the longest cooling-off, the shortest expiry and execution window. Pure and deterministic.
 */
export function evaluatePolicy(
  loaded: LoadedPolicy,
  facts: Facts,
  exceptions: readonly ActiveException[] = [],
): Evaluation {
  const policy = loaded.policy;
  const rules = policy.rules.map((rule) => evaluateRule(rule, facts));
  const matched = rules.filter((r) => r.matched);
  const byRules =
    matched.length === 0
      ? policy.defaults.tier
      : matched.reduce<Tier>((acc, r) => stricterTier(acc, r.rule.decide.tier), 0);
  // A loosening exception (granted under dual control) stands in for the rules and the two-key
  // guard; never-allowed, never-automatic, blast radius and the budget still hold. Tightening wins.
  const applied = exceptionsFor(exceptions, facts);
  const loosened = applied.loosenTo !== null && tierRank(applied.loosenTo) < tierRank(byRules);
  const ruleTier = loosened ? applied.loosenTo : byRules;
  const raises = guards(policy, facts, ruleTier).filter(
    (r) => !loosened || !r.reason.rule.startsWith('two_key.'),
  );
  const guarded = raises.reduce<Tier>((acc, r) => stricterTier(acc, r.tier), ruleTier);
  const tier = applied.tightenTo === null ? guarded : stricterTier(guarded, applied.tightenTo);
  const winning = matched.filter((r) => r.rule.decide.tier === tier);
  const requiring = loosened
    ? matched.filter((r) => tierRank(r.rule.decide.tier) <= tierRank(tier))
    : matched;

  const roles = new Map<string, number>();
  // Requirements merge over every matching rule, so a guard that raises the tier never loses a role.
  for (const r of requiring)
    for (const need of r.rule.decide.approvals ?? [])
      roles.set(need.role, Math.max(roles.get(need.role) ?? 0, need.count));
  const roleCounts: RoleCount[] = [...roles.entries()].map(([role, count]) => ({ role, count }));
  const count =
    tier === 'blocked' || tierRank(tier) <= 1
      ? 0
      : Math.max(
          minimumApprovals(tier),
          roleCounts.reduce((sum, r) => sum + r.count, 0),
        );
  const durations = (pick: (r: Rule) => string | undefined) =>
    requiring
      .map((r) => pick(r.rule))
      .filter((d): d is string => d !== undefined)
      .map(parseDuration);
  const cooling = durations((r) => r.decide.coolingOff);
  const expiry = durations((r) => r.decide.approvalExpiry);
  const window = durations((r) => r.decide.executionWindow);
  const escalation =
    [...winning, ...matched].find((r) => r.rule.decide.escalation !== undefined)?.rule.decide.escalation ??
    policy.defaults.escalation;

  const reasons: Reason[] = [
    ...(matched.length === 0 && tier === policy.defaults.tier
      ? [
          {
            rule: 'defaults.tier',
            path: '(no rule matched)',
            value: '-',
            message: 'no rule matched; the default tier applies',
          },
        ]
      : []),
    ...winning.map(reasonOf),
    ...raises.filter((r) => r.tier === tier).map((r) => r.reason),
    ...(loosened && tierRank(tier) < tierRank(byRules) ? applied.loosening.map(exceptionReason) : []),
    ...applied.tightening.filter((e) => e.effect.tier === tier).map(exceptionReason),
  ];
  const decision: Decision = {
    policyVersion: policy.version,
    policyHash: loaded.hash,
    tier,
    route: routeOf(tier),
    approvals: { count, roles: count === 0 ? [] : roleCounts },
    // Dual control always comes with a delay: tier 3 never waits less than the default cooling-off.
    coolingOffSeconds: Math.max(
      cooling.length > 0 ? Math.max(...cooling) : 0,
      tier === 3 ? parseDuration(policy.defaults.coolingOff) : 0,
    ),
    approvalExpirySeconds:
      expiry.length > 0 ? Math.min(...expiry) : parseDuration(policy.defaults.approvalExpiry),
    onExpiry: policy.defaults.onExpiry,
    executionWindowSeconds:
      window.length > 0 ? Math.min(...window) : parseDuration(policy.defaults.executionWindow),
    verificationPatienceSeconds: parseDuration(
      policy.defaults.verificationPatience ?? defaultVerificationPatience,
    ),
    escalation: escalation.map((e) => ({ afterSeconds: parseDuration(e.after), notify: e.notify })),
    channels: uiCounts(policy, facts, tier) ? ['signed', 'ui'] : ['signed'],
    notify: tier !== 0,
    reasons,
  };
  return { decision, rules };
}
