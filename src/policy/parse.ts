import type { Document } from 'yaml';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { hashOf } from '../hash';
import { describeReceived, formatPath } from '../issues';
import type { PolicyFile, PolicyIssue, PolicyParse } from './policy-issue';
import type { Policy, Range, Rule } from './policy-schema';
import { Policy as PolicySchema, PolicyFragment } from './policy-schema';

export type { PolicyFile, PolicyIssue, PolicyParse } from './policy-issue';
export { formatPolicyIssue } from './policy-issue';

interface ParsedFile {
  readonly name: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** Line and column of the node at `path` (or of `key` inside it), when the document has one. */
function locate(
  file: ParsedFile,
  path: readonly PropertyKey[],
  key?: string,
): { line?: number; column?: number } {
  // A missing key has no node: point at the nearest ancestor that exists.
  let depth = path.length;
  let node: unknown = depth === 0 ? file.doc.contents : file.doc.getIn(path as unknown[], true);
  while ((node === undefined || node === null) && depth > 0) {
    depth -= 1;
    node = depth === 0 ? file.doc.contents : file.doc.getIn(path.slice(0, depth) as unknown[], true);
  }
  let offset: number | undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  }
  offset ??= (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
  if (offset === undefined) return {};
  const pos = file.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    value,
  );
}

function zodIssues(
  file: ParsedFile,
  input: unknown,
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): PolicyIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    const received = valueAt(input, issue.path);
    if (issue.code === 'unrecognized_keys') {
      return {
        file: file.name,
        ...locate(file, path, issue.keys[0]),
        path: formatPath(path),
        code: 'unknown_key',
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
        expected: 'only the documented keys',
      };
    }
    const missing = received === undefined;
    return {
      file: file.name,
      ...locate(file, path),
      path: formatPath(path),
      code: issue.code === 'invalid_type' && missing ? 'missing_key' : issue.code,
      message:
        issue.code === 'invalid_type' ? (missing ? 'required key is missing' : 'wrong type') : issue.message,
      ...('expected' in issue && typeof issue.expected === 'string' ? { expected: issue.expected } : {}),
      received: describeReceived(received),
    };
  });
}

/** True when no number satisfies every bound of the range (bounds at one value count when inclusive). */
export function emptyRange(range: Range | undefined): boolean {
  if (range === undefined) return false;
  let low = -Infinity;
  let lowStrict = false;
  if (range.gt !== undefined) [low, lowStrict] = [range.gt, true];
  if (range.gte !== undefined && range.gte > low) [low, lowStrict] = [range.gte, false];
  let high = Infinity;
  let highStrict = false;
  if (range.lt !== undefined) [high, highStrict] = [range.lt, true];
  if (range.lte !== undefined && range.lte < high) [high, highStrict] = [range.lte, false];
  return low > high || (low === high && (lowStrict || highStrict));
}

/** Rules that cannot mean anything: unknown roles, duplicate ids, conditions no value can meet. */
function semanticIssues(
  files: ReadonlyMap<string, ParsedFile>,
  policy: Policy,
  origins: readonly { file: string; index: number }[],
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const roles = new Set(policy.roles);
  const at = (ruleIndex: number, rest: readonly PropertyKey[]) => {
    const origin = origins[ruleIndex] as { file: string; index: number };
    const file = files.get(origin.file) as ParsedFile;
    const path = ['rules', origin.index, ...rest];
    return { file: origin.file, ...locate(file, path), path: formatPath(path) };
  };
  const seen = new Map<string, number>();
  policy.rules.forEach((rule: Rule, i) => {
    const first = seen.get(rule.id);
    if (first !== undefined)
      issues.push({
        ...at(i, ['id']),
        code: 'duplicate_rule_id',
        message: `rule id "${rule.id}" is already used by rules[${first}]`,
        expected: 'a unique id',
      });
    seen.set(rule.id, i);
    (rule.decide.approvals ?? []).forEach((need, j) => {
      if (!roles.has(need.role))
        issues.push({
          ...at(i, ['decide', 'approvals', j, 'role']),
          code: 'unknown_role',
          message: `role "${need.role}" is not declared`,
          expected: `one of ${[...roles].join(', ')}`,
        });
    });
    (rule.decide.escalation ?? []).forEach((stage, j) =>
      stage.notify.forEach((role, k) => {
        if (!roles.has(role))
          issues.push({
            ...at(i, ['decide', 'escalation', j, 'notify', k]),
            code: 'unknown_role',
            message: `role "${role}" is not declared`,
            expected: `one of ${[...roles].join(', ')}`,
          });
      }),
    );
    for (const key of ['ttlDelta', 'recordsTouched', 'zoneShare', 'confidence'] as const) {
      if (emptyRange(rule.match[key]))
        issues.push({
          ...at(i, ['match', key]),
          code: 'contradictory_condition',
          message: 'no value can satisfy these bounds',
          expected: 'a non-empty range',
        });
    }
    const between = rule.match.window?.between;
    if (between !== undefined && between.slice(0, 5) === between.slice(6))
      issues.push({
        ...at(i, ['match', 'window', 'between']),
        code: 'contradictory_condition',
        message: 'the window starts and ends at the same minute',
        expected: 'a span of at least one minute',
      });
    const tier = rule.decide.tier;
    if ((tier === 0 || tier === 1 || tier === 'blocked') && rule.decide.approvals !== undefined) {
      issues.push({
        ...at(i, ['decide', 'approvals']),
        code: 'contradictory_decision',
        message: `a tier ${tier} decision takes no approvals`,
        expected: 'approvals only with tier 2 or 3',
      });
    }
    if (tier === 3 && (rule.decide.approvals ?? []).reduce((n, a) => n + a.count, 0) === 1) {
      issues.push({
        ...at(i, ['decide', 'approvals']),
        code: 'contradictory_decision',
        message: 'tier 3 is dual control: it needs at least two approvals',
        expected: 'role counts adding up to 2 or more',
      });
    }
  });
  return issues;
}

const unreadable = Symbol('unreadable');

/**
 * The document's value. Well-formed YAML can still fail here (an alias whose anchor is missing, an
 * alias expansion past the library's limit): that is an issue in the file, never an exception.
 */
function valueOf(file: ParsedFile, issues: PolicyIssue[]): unknown {
  try {
    return file.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    issues.push({
      file: file.name,
      path: '(yaml)',
      code: 'invalid_yaml',
      message: err instanceof Error ? err.message : String(err),
      expected: 'valid YAML whose aliases name anchors defined before them',
    });
    return unreadable;
  }
}

/**
 * Parses a policy from its files: the main file (full policy) first, then fragments that only add
 * rules. The content hash covers the merged, parsed policy, so reformatting changes nothing.
 */
export function parsePolicy(files: readonly PolicyFile[], source: string): PolicyParse {
  const parsed = new Map<string, ParsedFile>();
  const issues: PolicyIssue[] = [];
  for (const file of files) {
    const lines = new LineCounter();
    const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    parsed.set(file.name, { name: file.name, doc, lines });
    for (const error of doc.errors) {
      const pos = lines.linePos(error.pos[0]);
      issues.push({
        file: file.name,
        line: pos.line,
        column: pos.col,
        path: '(yaml)',
        code: 'invalid_yaml',
        message: error.message.split('\n')[0] ?? error.message,
        expected: 'valid YAML',
      });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  const [main, ...fragments] = files;
  if (main === undefined)
    return {
      ok: false,
      issues: [
        {
          file: source,
          path: '(root)',
          code: 'no_policy',
          message: 'no policy file found',
          expected: 'policy.yaml',
        },
      ],
    };
  const mainFile = parsed.get(main.name) as ParsedFile;
  const mainValue = valueOf(mainFile, issues);
  if (mainValue === unreadable) return { ok: false, issues };
  const result = PolicySchema.safeParse(mainValue);
  if (!result.success) issues.push(...zodIssues(mainFile, mainValue, result.error));
  const rules: Rule[] = result.success ? [...result.data.rules] : [];
  const origins = rules.map((_, index) => ({ file: main.name, index }));
  for (const fragment of fragments) {
    const file = parsed.get(fragment.name) as ParsedFile;
    const value = valueOf(file, issues);
    if (value === unreadable) continue;
    const fragmentResult = PolicyFragment.safeParse(value);
    if (!fragmentResult.success) {
      issues.push(...zodIssues(file, value, fragmentResult.error));
      continue;
    }
    fragmentResult.data.rules.forEach((rule, index) => {
      rules.push(rule);
      origins.push({ file: fragment.name, index });
    });
  }
  if (!result.success || issues.length > 0) return { ok: false, issues };
  const policy: Policy = { ...result.data, rules };
  const semantic = semanticIssues(parsed, policy, origins);
  if (semantic.length > 0) return { ok: false, issues: semantic };
  return { ok: true, loaded: { policy, hash: hashOf(policy), source } };
}
