import type { ChangeRecord } from './change-record';

/** A subject proposed again and again, or proposed again after a person rejected it. */
export interface RepeatedSuggestion {
  readonly subject: string;
  readonly tenant: string;
  readonly proposals: number;
  readonly ids: readonly string[];
  /** Proposals made after an earlier proposal of the same subject was rejected. */
  readonly afterRejection: readonly string[];
  readonly why: readonly ('often' | 'after_rejection')[];
}

/** Proposals of one subject within the window at which it counts as repeated. */
export const repeatThreshold = 3;

/**
 * Groups proposals by tenant and subject (zone, name, type) and reports those proposed at least
 * `threshold` times, or proposed again after a rejection. Most proposals first.
 */
export function repeatedSuggestions(
  records: readonly ChangeRecord[],
  threshold = repeatThreshold,
): RepeatedSuggestion[] {
  const groups = new Map<string, ChangeRecord[]>();
  for (const record of records) {
    const key = `${record.tenant}\u0000${record.subject}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const out: RepeatedSuggestion[] = [];
  for (const group of groups.values()) {
    const ordered = [...group].sort((a, b) => a.openedAt.localeCompare(b.openedAt));
    const afterRejection = ordered
      .filter((r) =>
        ordered.some(
          (earlier) =>
            earlier.openedAt < r.openedAt &&
            earlier.state === 'rejected' &&
            earlier.rejections.some((x) => x.at <= r.openedAt),
        ),
      )
      .map((r) => r.id);
    const why: RepeatedSuggestion['why'][number][] = [];
    if (ordered.length >= threshold) why.push('often');
    if (afterRejection.length > 0) why.push('after_rejection');
    const first = ordered[0];
    if (why.length === 0 || first === undefined) continue;
    out.push({
      subject: first.subject,
      tenant: first.tenant,
      proposals: ordered.length,
      ids: ordered.map((r) => r.id),
      afterRejection,
      why,
    });
  }
  return out.sort((a, b) => b.proposals - a.proposals || a.subject.localeCompare(b.subject));
}
