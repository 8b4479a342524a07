import { table } from '../bench/stats';
import type { Audit, Finding } from './audit';

/** One line of the chaos table. Every loss column must be 0 for the run to pass. */
export interface ChaosRow {
  readonly scenario: string;
  /** Changes whose fate was checked. */
  readonly changes: number;
  /** What was done to the system, e.g. "200 worker SIGKILLs". */
  readonly faults: string;
  readonly lost: number;
  readonly duplicateWrites: number;
  readonly unapprovedExecutions: number;
  readonly brokenChains: number;
  readonly taskFailures: number;
  /** Closed in a state other than `executed`, or executed to the wrong live state. */
  readonly notExecuted: number;
  /** Evidence naming someone else as the author of a write only the change made. */
  readonly falseEvidence: number;
  /** Failed verifications of the change's own write that closed without a rollback. */
  readonly skippedRollbacks: number;
  /** Notifications and escalations delivered more than once (by idempotency key, from the logs). */
  readonly duplicateNotifications: number;
  /** Changes that should have notified (automatic ones) with no notification in the logs. */
  readonly lostNotifications: number;
  readonly secretsFound: number;
  readonly wallMs: number;
  /** Time from a kill to the system serving again (see each scenario); null: no kills. */
  readonly recoverP50Ms: number | null;
  readonly recoverMaxMs: number | null;
  /** Extra measurements, printed under the table. */
  readonly details: readonly (readonly [string, string | number])[];
  /** What went wrong, one line each (workflow ids, reasons); empty when all is well. */
  readonly findings: readonly string[];
}

/** The columns an audit fills, the same in every scenario that audits changes. */
export function auditColumns(
  audit: Audit,
): Pick<
  ChaosRow,
  | 'lost'
  | 'duplicateWrites'
  | 'unapprovedExecutions'
  | 'brokenChains'
  | 'taskFailures'
  | 'notExecuted'
  | 'falseEvidence'
  | 'skippedRollbacks'
  | 'secretsFound'
> {
  return {
    lost: audit.lost.length,
    duplicateWrites: audit.duplicateWrites,
    unapprovedExecutions: audit.unapproved.length,
    brokenChains: audit.brokenChains.length,
    taskFailures: audit.taskFailures,
    notExecuted: audit.notExecuted.length,
    falseEvidence: audit.falseEvidence.length,
    skippedRollbacks: audit.skippedRollbacks.length,
    secretsFound: 0,
  };
}

export const lossColumns = [
  'lost',
  'duplicateWrites',
  'unapprovedExecutions',
  'brokenChains',
  'taskFailures',
  'notExecuted',
  'falseEvidence',
  'skippedRollbacks',
  'duplicateNotifications',
  'lostNotifications',
  'secretsFound',
] as const satisfies readonly (keyof ChaosRow)[];

export function totalLosses(rows: readonly ChaosRow[]): number {
  return rows.reduce((sum, row) => sum + lossColumns.reduce((n, c) => n + row[c], 0), 0);
}

const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The combined Markdown table, then each scenario's measurements and findings. */
export function renderReport(rows: readonly ChaosRow[]): string {
  const main = table(
    [
      'scenario',
      'faults',
      'changes',
      'lost',
      'duplicate writes',
      'unapproved executions',
      'broken chains',
      'task failures',
      'not executed',
      'false evidence',
      'skipped rollbacks',
      'duplicate notifications',
      'lost notifications',
      'secrets found',
      'wall time',
      'p50 recover',
      'max recover',
    ],
    rows.map((r) => [
      r.scenario,
      r.faults,
      r.changes,
      r.lost,
      r.duplicateWrites,
      r.unapprovedExecutions,
      r.brokenChains,
      r.taskFailures,
      r.notExecuted,
      r.falseEvidence,
      r.skippedRollbacks,
      r.duplicateNotifications,
      r.lostNotifications,
      r.secretsFound,
      seconds(r.wallMs),
      seconds(r.recoverP50Ms),
      seconds(r.recoverMaxMs),
    ]),
  );
  const parts = [
    main,
    '\nrecover: after a worker SIGKILL, until a replacement worker polls; after a server SIGKILL, until a ' +
      'parked change answers its query again. Changes caught mid-task wait longer (see "stall" below).',
  ];
  for (const r of rows) {
    if (r.details.length > 0)
      parts.push(
        `\n${r.scenario}\n\n${table(
          ['measure', 'value'],
          r.details.map(([k, v]) => [k, v]),
        )}`,
      );
    if (r.findings.length > 0)
      parts.push(`\n${r.scenario}: findings\n\n${r.findings.map((f) => `- ${f}`).join('\n')}`);
  }
  return parts.join('\n');
}

/** Findings of an audit as report lines, capped so a disaster stays readable. */
export function auditFindings(audit: Audit, limit = 25): string[] {
  const groups: [string, Finding[]][] = [
    ['lost', audit.lost],
    ['not executed', audit.notExecuted],
    ['false evidence', audit.falseEvidence],
    ['skipped rollback', audit.skippedRollbacks],
    ['duplicate writes', audit.duplicateFindings],
    ['unapproved execution', audit.unapproved],
    ['broken chain', audit.brokenChains],
    ['evidence bundle missing', audit.bundlesMissing],
    ['workflow task failure', audit.taskFailureFindings],
  ];
  const lines = groups.flatMap(([what, findings]) =>
    findings.map((f) => `${what}: ${f.workflowId}: ${f.detail}`),
  );
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines;
}
