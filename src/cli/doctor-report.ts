/** One thing `countersign doctor` checked: what it found and, when it is not fine, what to do. */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly found: string;
  readonly fix?: string;
}

const label: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** The report a person reads: one line per check, the fix under what needs one, then the verdict. */
export function renderDoctorReport(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.flatMap((c) => [
    `  ${label[c.status]}  ${c.name.padEnd(width)}  ${c.found}`,
    ...(c.fix === undefined || c.status === 'ok' ? [] : [`        ${' '.repeat(width)}  fix: ${c.fix}`]),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const verdict =
    failed > 0
      ? `${failed} problem${failed === 1 ? '' : 's'} to fix${warned > 0 ? ` and ${warned} warning${warned === 1 ? '' : 's'}` : ''}: fix ${failed === 1 ? 'it' : 'them'} and run countersign doctor again.`
      : warned > 0
        ? `everything countersign needs works; ${warned} warning${warned === 1 ? '' : 's'} above.`
        : 'everything countersign needs works.';
  return [...lines, '', verdict].join('\n');
}

/** Search attributes countersign needs that the namespace lacks or holds with another type. */
export function missingSearchAttributes(
  needed: readonly { name: string; type: string }[],
  registered: Readonly<Record<string, string>>,
): { name: string; type: string; registeredAs?: string }[] {
  return needed.flatMap((n) => {
    const have = registered[n.name];
    if (have === undefined) return [{ name: n.name, type: n.type }];
    return have.toLowerCase().replace(/_/g, '') === n.type.toLowerCase()
      ? []
      : [{ ...n, registeredAs: have }];
  });
}

/** What `describe` says of a running change that matters to whether it is stuck. */
export interface RunningChange {
  readonly workflowId: string;
  /** Attempt of the pending workflow task: above 1, the workflow code itself keeps failing. */
  readonly workflowTaskAttempt: number;
  readonly activities: readonly {
    readonly type: string;
    readonly attempt: number;
    readonly lastFailure?: string;
  }[];
}

/**
 * Running changes that are not moving: workflow code failing on every attempt (a bug, a
 * nondeterminism after a deploy), or an activity retried again and again (a broken policy, an
 * unreachable provider). Temporal retries both without end, so in its list they look like any
 * running change; each is said once, with what fails.
 */
export function stuckChanges(changes: readonly RunningChange[], minActivityAttempts = 3): string[] {
  return changes.flatMap((c) => {
    if (c.workflowTaskAttempt > 1)
      return [
        `${c.workflowId}: its workflow code fails on every attempt (attempt ${c.workflowTaskAttempt}); the worker log and the Temporal UI's history say why`,
      ];
    const failing = c.activities.filter((a) => a.attempt >= minActivityAttempts);
    return failing.length === 0
      ? []
      : [
          `${c.workflowId}: ${failing.map((a) => `${a.type} failing (attempt ${a.attempt})${a.lastFailure === undefined ? '' : `: ${a.lastFailure}`}`).join('; ')}`,
        ];
  });
}
