/**
 * A validation problem as data. `path` names the field (`change.records[2]`), `code` is a stable
 * snake_case identifier, `message` says what is wrong and what was expected.
 */
export interface Issue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
  readonly expected?: string;
  readonly received?: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Renders a received value briefly and safely for an error message. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `${JSON.stringify(shown)}${value.length > 60 ? ` (${value.length} characters)` : ''}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

export function formatIssue(issue: Issue): string {
  const detail = [
    issue.expected === undefined ? undefined : `expected ${issue.expected}`,
    issue.received === undefined ? undefined : `received ${issue.received}`,
  ].filter((part) => part !== undefined);
  return `${issue.path}: ${issue.message}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}

export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n');
}
