/**
 * Who put the plan's `after` there, when a write finds it already live. A fact where the provider
 * keeps stamps with the data; an inference where it keeps none, said as such in the evidence.
 * - `someone_else`: the first attempt found it (nothing of this change had run), or the provider's
 *   stamps on it do not include this write's.
 * - `stamp`: this write's own stamp is on it: an earlier attempt wrote it, its answer was lost.
 * - `earlier_attempt`: an earlier attempt of this write ran and the provider keeps no author (a
 *   registry, a deleted RRset): taken as this change's write whose answer was lost.
 */
export type FoundAfterAuthor = 'someone_else' | 'stamp' | 'earlier_attempt';

export interface FoundAfter {
  /** The write's attempt (1 on the first). */
  readonly attempt: number;
  /** Stamps on the live data; undefined where the provider keeps none. */
  readonly stamps: readonly string[] | undefined;
  /** The stamp this write leaves (the same on every attempt). */
  readonly ownStamp: string;
}

export function authorOfFoundAfter(found: FoundAfter): FoundAfterAuthor {
  if (found.attempt <= 1) return 'someone_else';
  if (found.stamps === undefined) return 'earlier_attempt';
  return found.stamps.includes(found.ownStamp) ? 'stamp' : 'someone_else';
}
