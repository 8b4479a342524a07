import type { ListedChange } from '../client/countersign-client';

const headers = ['STARTED', 'STATE', 'TIER', 'REQUESTER', 'ENV', 'ZONE', 'CHANGE'] as const;

/** A listed change's state: countersign's own, or Temporal's status when it has none (terminated early). */
export function listedState(row: ListedChange): string {
  return row.state ?? row.status.toLowerCase();
}

/**
 * `countersign list` as a table a person scans: newest first, a header, who asked for each
 * change, its state and tier; the workflow id last, since it is the longest and the one to copy.
 */
export function renderChangeList(rows: readonly ListedChange[]): string {
  if (rows.length === 0) return 'no changes';
  const sorted = [...rows].sort((a, b) => b.startTime.localeCompare(a.startTime));
  const cells = sorted.map((r) => [
    r.startTime.slice(0, 19).replace('T', ' '),
    listedState(r),
    r.tier ?? '-',
    r.requester ?? '-',
    r.environment ?? '-',
    r.zone ?? '-',
    r.workflowId,
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}
