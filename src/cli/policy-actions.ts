import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as YamlModule from 'yaml';
import type * as PowerDnsModule from '../../activities/powerdns/client';
import { loadPolicy } from '../../activities/policy/policy-files';
import type { Plan, RRset } from '../plan/plan';
import { computePlan, kindOf, subjectOf } from '../kinds/kinds';
import type * as CasesModule from '../policy/cases';
import type { CaseResult } from '../policy/cases';
import { describeTier } from '../policy/decision';
import { formatDuration } from '../policy/duration';
import type { LoadedPolicy } from '../policy/evaluate';
import { evaluatePolicy } from '../policy/evaluate';
import { factsOf } from '../policy/facts';
import { lintPolicy } from '../policy/lint';
import { formatPolicyIssue } from '../policy/policy-issue';
import { RecommendationValidationError, validateRecommendation } from '../schema/validate-recommendation';
import type { Recommendation } from '../schema/recommendation';
import { ExitCode } from './exit-codes';
import { InputError, readJsonInput } from './read-input';
import { PolicyFileError } from './policy-file-error';
import { commandRuntime } from './command-runtime';

// Loaded by the actions that use them (see src/cli/main.ts): `policy explain` needs neither the
// cases' schemas nor the YAML parser, nor the PowerDNS client unless live state is configured.
const lazy = {
  yaml: () => require('yaml') as typeof YamlModule,
  cases: () => require('../policy/cases') as typeof CasesModule,
  powerdns: () => require('../../activities/powerdns/client') as typeof PowerDnsModule,
};

export type Print = (value: unknown, text: string) => void;

export interface ExplainOptions {
  policy: string;
  at?: string;
  live?: string;
  zoneRecords?: string;
}

function wholeNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d+$/.test(text)) throw new InputError(`--zone-records: expected a whole number, received ${text}`);
  return Number(text);
}

async function load(location: string): Promise<LoadedPolicy> {
  const result = await loadPolicy(location, commandRuntime().parsedPolicyCache).catch((err: Error) => {
    throw new InputError(`cannot read policy ${location}: ${err.message}`);
  });
  if (!result.ok) throw new PolicyFileError(result.issues.map(formatPolicyIssue));
  return result.loaded;
}

async function caseFiles(location: string): Promise<string[]> {
  const info = await stat(location).catch(() => {
    throw new InputError(`no such cases file or directory: ${location}`);
  });
  if (!info.isDirectory()) return [location];
  return (await readdir(location))
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => path.join(location, n));
}

async function runCaseFiles(loaded: LoadedPolicy, location: string): Promise<CaseResult[]> {
  const { PolicyCaseFile, runCase } = lazy.cases();
  const results: CaseResult[] = [];
  const problems: string[] = [];
  for (const file of await caseFiles(location)) {
    let value: unknown;
    try {
      value = lazy.yaml().parse(await readFile(file, 'utf8'));
    } catch (err) {
      problems.push(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const parsed = PolicyCaseFile.safeParse(value);
    if (!parsed.success) {
      problems.push(
        ...parsed.error.issues.map(
          (i) => `${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
        ),
      );
      continue;
    }
    for (const c of parsed.data.cases) results.push(runCase(loaded, c, file));
  }
  if (problems.length > 0) throw new PolicyFileError(problems, 'invalid policy cases');
  return results;
}

/**
 * Live RRset and zone size from PowerDNS when it is configured; otherwise the plan stays unknown.
 * Registrar changes are explained with --live.
 */
async function liveState(rec: Recommendation): Promise<{ live: RRset | null; zoneRecords: number } | null> {
  const apiUrl = process.env.COUNTERSIGN_PDNS_API_URL;
  const apiKey = process.env.COUNTERSIGN_PDNS_API_KEY;
  if (apiUrl === undefined || apiUrl === '' || apiKey === undefined || apiKey === '') return null;
  if (kindOf(rec.change).port !== 'zone') return null;
  const pdns = new (lazy.powerdns().PowerDnsClient)({ apiUrl, apiKey });
  const subject = subjectOf(rec);
  const [live, zoneRecords] = await Promise.all([
    pdns.getRrset(rec.target.zone, subject.name, subject.type),
    pdns.countRecords(rec.target.zone),
  ]);
  return { live, zoneRecords };
}

/** `policy check`: schema, roles and lint warnings; --strict fails on warnings. */
export async function check(location: string, options: { strict?: boolean }, print: Print): Promise<void> {
  const loaded = await load(location);
  const warnings = lintPolicy(loaded.policy);
  const text = [
    `policy ${loaded.policy.version} (${loaded.policy.rules.length} rules, hash ${loaded.hash.slice(0, 16)}): valid`,
    ...warnings.map((w) => `  warning ${w.code} ${w.path}: ${w.message}`),
  ].join('\n');
  print(
    {
      valid: true,
      version: loaded.policy.version,
      hash: loaded.hash,
      rules: loaded.policy.rules.length,
      warnings,
    },
    text,
  );
  if (options.strict === true && warnings.length > 0) process.exitCode = ExitCode.checksFailed;
}

/** `policy test`: runs the cases files against the policy. */
export async function test(location: string, options: { cases: string }, print: Print): Promise<void> {
  const loaded = await load(location);
  const results = await runCaseFiles(loaded, options.cases);
  const failed = results.filter((r) => !r.ok);
  const text = [
    ...results.map(lazy.cases().formatCaseResult),
    `${results.length - failed.length} passed, ${failed.length} failed`,
  ].join('\n');
  print(
    {
      passed: results.length - failed.length,
      failed: failed.length,
      results: results.map(({ decision: _d, ...rest }) => rest),
    },
    text,
  );
  if (failed.length > 0) process.exitCode = ExitCode.checksFailed;
}

/** `policy explain`: evaluates a recommendation without starting a workflow. */
export async function explain(file: string, options: ExplainOptions, print: Print): Promise<void> {
  const validated = validateRecommendation(await readJsonInput(file));
  if (!validated.ok) throw new RecommendationValidationError(validated.issues);
  const rec = validated.value;
  const loaded = await load(options.policy);
  const now = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(now.getTime()))
    throw new InputError(`--at: expected an ISO instant, received ${options.at}`);
  let state: { live: RRset | null; zoneRecords: number | null } | null = null;
  if (options.live !== undefined) {
    const given = (await readJsonInput(options.live)) as { ttl: number; records: string[] } | null;
    state = {
      live: given === null ? null : { ...subjectOf(rec), ttl: given.ttl, records: given.records },
      zoneRecords: wholeNumber(options.zoneRecords),
    };
  } else {
    state = await liveState(rec);
  }
  let plan: Plan | null = null;
  let note =
    state === null
      ? kindOf(rec.change).port === 'registry'
        ? 'the registry is not asked here: pass its state with --live (e.g. {"ttl":0,"records":["ns1.old.net."]}); until then conditions on the plan do not match'
        : 'live state unknown (set COUNTERSIGN_PDNS_API_URL/KEY or use --live): conditions on the plan do not match'
      : '';
  if (state !== null) {
    const planned = computePlan(rec, state.live);
    if (planned.ok) plan = planned.plan;
    else note = `the plan is a no-op: ${planned.message}`;
  }
  const evaluation = evaluatePolicy(
    loaded,
    factsOf(loaded.policy, rec, plan, { zoneRecords: state?.zoneRecords ?? null, now }),
  );
  const d = evaluation.decision;
  const lines = [
    `${describeTier(d.tier)} under policy ${d.policyVersion} (${d.policyHash.slice(0, 16)}), route ${d.route}`,
    d.approvals.count > 0
      ? `needs ${d.approvals.count} approver(s)${d.approvals.roles.length > 0 ? `: ${d.approvals.roles.map((r) => `${r.count} ${r.role}`).join(' + ')}` : ''}; expires after ${formatDuration(d.approvalExpirySeconds)}${d.coolingOffSeconds > 0 ? `; cooling-off ${formatDuration(d.coolingOffSeconds)}` : ''}`
      : 'no approval needed',
    ...(note === '' ? [] : [`note: ${note}`]),
    'reasons:',
    ...d.reasons.map(
      (r) =>
        `  - ${r.rule}: ${r.path} = ${r.value}${r.threshold === undefined ? '' : ` (${r.threshold})`}: ${r.message}`,
    ),
    'rules:',
    ...evaluation.rules.map((r) => {
      const failed = r.conditions.find((c) => !c.held);
      return `  ${r.matched ? 'match' : '     '} ${r.rule.id} (tier ${String(r.rule.decide.tier)})${failed === undefined ? '' : `: ${failed.path} = ${failed.value}, wanted ${failed.expected}`}`;
    }),
  ];
  print(
    {
      decision: d,
      plan,
      note: note === '' ? undefined : note,
      rules: evaluation.rules.map((r) => ({
        id: r.rule.id,
        matched: r.matched,
        conditions: r.conditions,
      })),
    },
    lines.join('\n'),
  );
}
