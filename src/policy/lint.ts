import { criticalClasses, criticalKinds } from './catalog';
import { tierRank } from './decision';
import type { Match, Policy, Range, Rule } from './policy-schema';

/** Something legal but probably wrong in a policy: a rule that can never decide, a gap in coverage. */
export interface PolicyWarning {
  readonly code: 'unreachable_rule' | 'shadowed_rule' | 'critical_not_covered' | 'unused_role';
  readonly path: string;
  readonly message: string;
}

type Key = keyof Match;

function rangeWithin(inner: Range, outer: Range): boolean {
  const low = (r: Range) => Math.max(r.gt ?? -Infinity, r.gte ?? -Infinity);
  const high = (r: Range) => Math.min(r.lt ?? Infinity, r.lte ?? Infinity);
  return low(inner) >= low(outer) && high(inner) <= high(outer);
}

/** True when every recommendation `inner` matches is matched by `outer` too (a conservative test). */
export function covers(outer: Match, inner: Match): boolean {
  return (Object.keys(outer) as Key[]).every((key) => {
    const o = outer[key];
    const i = inner[key];
    if (o === undefined) return true;
    if (i === undefined) return false;
    if (Array.isArray(o)) return (i as readonly string[]).every((v) => (o as readonly string[]).includes(v));
    if (typeof o === 'boolean') return o === i;
    if (key === 'window') return JSON.stringify(o) === JSON.stringify(i);
    if (key === 'zoneLabels' || key === 'tenantLabels') {
      return Object.entries(o as Record<string, string>).every(
        ([k, v]) => (i as Record<string, string>)[k] === v,
      );
    }
    return rangeWithin(i as Range, o as Range);
  });
}

const atApexOnlyNot = new Set(['CNAME', 'SRV']);

/** Why a rule can never match anything, or undefined. */
function unreachable(rule: Rule): string | undefined {
  const m = rule.match;
  if (m.apex === true && m.type !== undefined && m.type.every((t) => atApexOnlyNot.has(t)))
    return `${m.type.join('/')} records cannot exist at the zone apex`;
  if (m.wildcard === true && m.apex === true) return 'a wildcard name is never the zone apex';
  if (
    m.operation !== undefined &&
    m.operation.every((o) => o === 'create' || o === 'delete') &&
    m.ttlDelta !== undefined &&
    !rangeWithin({ gte: 0, lte: 0 }, m.ttlDelta) &&
    (m.ttlDelta.gt ?? -1) >= 0
  ) {
    return 'creating or deleting an RRset changes no TTL, so ttlDelta is always 0';
  }
  if (
    m.kind !== undefined &&
    m.kind.every((k) => k.startsWith('registrar.') || k === 'dns.delete_zone') &&
    (m.type !== undefined || m.class !== undefined || m.name !== undefined)
  ) {
    return 'registrar and zone actions have no record type, class or owner name';
  }
  return undefined;
}

function addsNothing(rule: Rule): boolean {
  const d = rule.decide;
  return (
    d.approvals === undefined &&
    d.coolingOff === undefined &&
    d.approvalExpiry === undefined &&
    d.executionWindow === undefined &&
    d.escalation === undefined
  );
}

export function lintPolicy(policy: Policy): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  policy.rules.forEach((rule, i) => {
    const why = unreachable(rule);
    if (why !== undefined)
      warnings.push({
        code: 'unreachable_rule',
        path: `rules[${i}] (${rule.id})`,
        message: `can never match: ${why}`,
      });
    policy.rules.forEach((other, j) => {
      if (i === j || !covers(other.match, rule.match)) return;
      const stricter = tierRank(other.decide.tier) > tierRank(rule.decide.tier);
      const same =
        tierRank(other.decide.tier) === tierRank(rule.decide.tier) &&
        addsNothing(rule) &&
        (j < i || !covers(rule.match, other.match));
      if (stricter || same) {
        warnings.push({
          code: 'shadowed_rule',
          path: `rules[${i}] (${rule.id})`,
          message: `shadowed by rules[${j}] (${other.id}): it matches everything this rule matches at tier ${String(other.decide.tier)}, so this rule never sets the tier`,
        });
      }
    });
  });
  const ruleClasses = new Set(
    policy.rules.filter((r) => tierRank(r.decide.tier) >= 2).flatMap((r) => r.match.class ?? []),
  );
  for (const c of criticalClasses) {
    if (!policy.never.automatic.classes.includes(c) && !ruleClasses.has(c)) {
      warnings.push({
        code: 'critical_not_covered',
        path: 'never.automatic.classes',
        message: `critical class ${c} is in neither never.automatic nor a tier 2+ rule (the built-in floor still keeps it from running automatically)`,
      });
    }
  }
  const ruleKinds = new Set(
    policy.rules.filter((r) => tierRank(r.decide.tier) >= 2).flatMap((r) => r.match.kind ?? []),
  );
  for (const k of criticalKinds) {
    if (!policy.never.automatic.kinds.includes(k) && !ruleKinds.has(k)) {
      warnings.push({
        code: 'critical_not_covered',
        path: 'never.automatic.kinds',
        message: `critical kind ${k} is in neither never.automatic nor a tier 2+ rule (the built-in floor still keeps it from running automatically)`,
      });
    }
  }
  const used = new Set([
    ...policy.rules.flatMap((r) => [
      ...(r.decide.approvals ?? []).map((a) => a.role),
      ...(r.decide.escalation ?? []).flatMap((e) => e.notify),
    ]),
    ...policy.defaults.escalation.flatMap((e) => e.notify),
  ]);
  for (const role of policy.roles)
    if (!used.has(role))
      warnings.push({
        code: 'unused_role',
        path: 'roles',
        message: `role ${role} is declared but no rule or escalation names it`,
      });
  return warnings;
}
