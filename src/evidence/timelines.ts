import type { EvidenceEntry } from './chain';

/**
 * The decision log (what was decided, by whom, why) and the operation log (what was done to which
 * system) of one change, kept apart but correlated: every operation names the decision it
 * followed, every decision the operations that followed it. Both come from the one hash chain, so
 * the correlation is the chain's own order, not a timestamp guess.
 */
export interface DecisionLine extends EvidenceEntry {
  /** The operations recorded after this decision and before the next one. */
  readonly led: readonly number[];
}

export interface OperationLine extends EvidenceEntry {
  /** The last decision recorded before this operation, or null if none was. */
  readonly after: number | null;
}

export interface Timelines {
  readonly decisions: readonly DecisionLine[];
  readonly operations: readonly OperationLine[];
}

export function timelinesOf(entries: readonly EvidenceEntry[]): Timelines {
  const decisions: { entry: EvidenceEntry; led: number[] }[] = [];
  const operations: OperationLine[] = [];
  for (const entry of entries) {
    if (entry.stream === 'decision') decisions.push({ entry, led: [] });
    else {
      const last = decisions[decisions.length - 1];
      last?.led.push(entry.seq);
      operations.push({ ...entry, after: last?.entry.seq ?? null });
    }
  }
  return { decisions: decisions.map(({ entry, led }) => ({ ...entry, led })), operations };
}

const clip = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);

/** Both logs as text a person scans in an incident: one line per entry, the correlation at the end. */
export function renderTimelines(entries: readonly EvidenceEntry[], width = 160): string {
  const { decisions, operations } = timelinesOf(entries);
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const line = (e: EvidenceEntry, link: string) => {
    const head = `  #${String(e.seq).padEnd(3)} ${e.at.slice(11, 23)}  ${e.step.padEnd(24)} ${clip(e.actor, 22).padEnd(22)} `;
    const tail = link === '' ? '' : `  ${link}`;
    return `${head}${clip(e.summary, Math.max(20, width - head.length - tail.length))}${tail}`;
  };
  return [
    `DECISION LOG: what was decided, by whom, why (${decisions.length})`,
    ...decisions.map((d) =>
      line(d, d.led.length === 0 ? '' : `→ ops ${d.led.map((s) => `#${s}`).join(' ')}`),
    ),
    '',
    `OPERATION LOG: what was done to which system (${operations.length})`,
    ...(operations.length === 0 ? ['  (nothing was done to any system)'] : []),
    ...operations.map((o) =>
      line(o, o.after === null ? '' : `← #${o.after} ${bySeq.get(o.after)?.step ?? ''}`),
    ),
  ].join('\n');
}
