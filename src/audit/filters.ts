import type { ChangeRecord } from './change-record';
import type { Window, WindowBasis } from './window';
import { inWindow } from './window';

/** What `countersign audit` selects on; every field optional, all given ones must match. */
export interface AuditFilter {
  readonly window?: Window;
  readonly basis?: WindowBasis;
  readonly zone?: string;
  readonly tenant?: string;
  readonly tier?: string;
  readonly state?: string;
  readonly approver?: string;
  readonly incident?: string;
  /** A model name, or `name@version` for one version of it. */
  readonly model?: string;
}

const zoneOf = (zone: string) => (zone.endsWith('.') ? zone : `${zone}.`).toLowerCase();
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function modelMatches(record: ChangeRecord, wanted: string): boolean {
  const at = wanted.lastIndexOf('@');
  if (at <= 0) return same(record.model, wanted) || same(record.modelVersion, wanted);
  return same(record.model, wanted.slice(0, at)) && same(record.modelVersion, wanted.slice(at + 1));
}

/** Whether a record passes the filter. Names compare case-insensitively; zones with or without the final dot. */
export function matchesFilter(record: ChangeRecord, filter: AuditFilter): boolean {
  if (filter.window !== undefined && !inWindow(record, filter.window, filter.basis ?? 'active')) return false;
  if (filter.zone !== undefined && zoneOf(record.zone) !== zoneOf(filter.zone)) return false;
  if (filter.tenant !== undefined && !same(record.tenant, filter.tenant)) return false;
  if (filter.tier !== undefined && String(record.tier) !== filter.tier) return false;
  if (filter.state !== undefined && record.state !== filter.state) return false;
  if (filter.incident !== undefined && !same(record.incidentId ?? '', filter.incident)) return false;
  if (filter.model !== undefined && !modelMatches(record, filter.model)) return false;
  if (filter.approver !== undefined) {
    const who = filter.approver;
    const decided =
      record.approvers.some((a) => same(a.principal, who)) ||
      record.rejections.some((r) => same(r.principal, who)) ||
      (record.breakGlass !== null && same(record.breakGlass.holder, who));
    if (!decided) return false;
  }
  return true;
}

export function filterRecords(records: readonly ChangeRecord[], filter: AuditFilter): ChangeRecord[] {
  return records.filter((r) => matchesFilter(r, filter));
}
