import type { ChangeRecord } from './change-record';
import type { Report } from './report';

/** Columns padded to their widest cell; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const minute = (iso: string | null) => (iso === null ? '-' : `${iso.slice(0, 16).replace('T', ' ')}Z`);

/** The people's view of `countersign audit`: one row per change, oldest first. */
export function renderAuditTable(records: readonly ChangeRecord[]): string {
  if (records.length === 0) return 'no changes match';
  const rows = records.map((r) => [
    minute(r.openedAt),
    r.id,
    r.tenant,
    clip(r.title, 60),
    r.tier === null ? '-' : String(r.tier),
    r.route ?? '-',
    r.state,
    `${r.model}@${r.modelVersion}`,
    [
      ...r.approvers.map((a) => `+${a.principal}`),
      ...r.rejections.map((x) => `-${x.principal}`),
      ...(r.breakGlass === null ? [] : [`break-glass:${r.breakGlass.id}`]),
    ].join(' ') || '-',
  ]);
  return `${renderTable(['OPENED', 'ID', 'TENANT', 'CHANGE', 'TIER', 'ROUTE', 'STATE', 'MODEL', 'DECIDED BY'], rows)}\n${records.length} change(s)`;
}

/** A duration in ms as people read it: `850ms`, `42s`, `3m12s`, `2h5m`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 === 0 ? '' : `${s % 60}s`}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${m % 60 === 0 ? '' : `${m % 60}m`}`;
}

/** The weekly summary as text. */
export function renderReport(report: Report): string {
  const lines: string[] = [];
  lines.push(
    `countersign report: ${report.since ?? 'the beginning'} .. ${report.until ?? 'now'}`,
    `${report.changes} change(s) proposed, ${report.open} still open`,
    '',
    'By route and outcome',
  );
  lines.push(
    report.byRouteAndOutcome.length === 0
      ? '  none'
      : renderTable(
          ['  ROUTE', 'OUTCOME', 'COUNT'],
          report.byRouteAndOutcome.map((r) => [`  ${r.route}`, r.outcome, String(r.count)]),
        ),
  );
  const l = report.approvalLatencyMs;
  lines.push(
    '',
    `Approval latency (request opened → decision that completed it), ${l.count} request(s):`,
    `  p50 ${formatMs(l.p50)}  p90 ${formatMs(l.p90)}  p99 ${formatMs(l.p99)}  max ${formatMs(l.max)}; ${report.unansweredRequests} never completed (expired or voided), ${report.pendingRequests} still waiting`,
    '',
    `Rejections (${report.rejections.length})`,
    ...(report.rejections.length === 0
      ? ['  none']
      : report.rejections.map(
          (r) => `  ${r.id}  ${r.subject}  ${r.veto ? 'vetoed' : 'rejected'} by ${r.principal}: ${r.reason}`,
        )),
    '',
    `Rollbacks (${report.rollbacks.length})`,
    ...(report.rollbacks.length === 0
      ? ['  none']
      : report.rollbacks.map((r) => `  ${r.id}  ${r.state}: ${r.outcome}`)),
    '',
    `Overrides and break-glass (${report.overrides.length})`,
    ...(report.overrides.length === 0
      ? ['  none']
      : report.overrides.map(
          (o) =>
            `  ${o.id}  ${o.state}  ${[
              ...(o.breakGlass === null ? [] : [`break-glass ${o.breakGlass}`]),
              ...o.overrides.filter((m) => !m.startsWith('break-glass:')),
              ...(o.rerouted === null ? [] : [`re-routed: ${o.rerouted}`]),
            ].join(', ')}`,
        )),
    '',
    `Repeated suggestions (${report.repeated.length})`,
    ...(report.repeated.length === 0
      ? ['  none']
      : report.repeated.map(
          (r) =>
            `  ${r.subject} (${r.tenant}): proposed ${r.proposals} time(s)${r.afterRejection.length > 0 ? `, ${r.afterRejection.length} after a rejection` : ''}: ${r.ids.join(', ')}`,
        )),
    '',
    'Proposals and executions per model version',
  );
  lines.push(
    report.models.length === 0
      ? '  none'
      : renderTable(
          [
            '  AGENT',
            'MODEL',
            'PROPOSALS',
            'EXECUTED',
            'PROPOSALS/EXECUTION',
            'APPROVED',
            'REJECTED',
            'BLOCKED',
          ],
          report.models.map((m) => [
            `  ${m.agent}`,
            `${m.model}@${m.modelVersion}`,
            String(m.proposals),
            String(m.executions),
            m.proposalsPerExecution === null ? '-' : String(m.proposalsPerExecution),
            String(m.approved),
            String(m.rejected),
            String(m.blocked),
          ]),
        ),
  );
  return lines.join('\n');
}
