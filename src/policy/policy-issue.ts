import type { LoadedPolicy } from './evaluate';

// What a policy parse gives and how its problems read, apart from the parser: a command that
// reads a policy it parsed before (activities/policy/parsed-policy-cache.ts) needs these, not the
// YAML parser and the ~80 schemas the parser builds when it loads.

/** A problem in a policy file: which file, where in it (path and line), what was expected. */
export interface PolicyIssue {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly path: string;
  readonly code: string;
  readonly message: string;
  readonly expected?: string;
  readonly received?: string;
}

export interface PolicyFile {
  readonly name: string;
  readonly text: string;
}

export type PolicyParse = { ok: true; loaded: LoadedPolicy } | { ok: false; issues: PolicyIssue[] };

export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const detail = [
    issue.expected === undefined ? undefined : `expected ${issue.expected}`,
    issue.received === undefined ? undefined : `received ${issue.received}`,
  ].filter((d) => d !== undefined);
  return `${where}: ${issue.path}: ${issue.message}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}
