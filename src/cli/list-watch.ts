import type { ListedChange } from '../client/countersign-client';
import { listedState, renderChangeList } from './change-list';
import { InputError } from './read-input';

/** `--watch [seconds]`: how often to refresh; bare `--watch` is every 2 s. */
export function watchInterval(value: string | boolean): number {
  if (value === true) return 2;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.5 || seconds > 3600)
    throw new InputError(
      `--watch: expected seconds between refreshes, 0.5 to 3600, received ${String(value)}`,
    );
  return seconds;
}

/** Which changes moved since the last refresh, as "id: before → now" (new ones: "id: new, state"). */
export function movedSince(
  previous: ReadonlyMap<string, string> | undefined,
  rows: readonly ListedChange[],
): string[] {
  if (previous === undefined) return [];
  return rows.flatMap((r) => {
    const now = listedState(r);
    const before = previous.get(r.workflowId);
    if (before === now) return [];
    return [`${r.workflowId}: ${before === undefined ? `new, ${now}` : `${before} → ${now}`}`];
  });
}

/** One refresh of the watched table: the table, what moved, when, and how to stop. */
export function watchFrame(
  rows: readonly ListedChange[],
  previous: ReadonlyMap<string, string> | undefined,
  at: Date,
  seconds: number,
): string {
  const moved = movedSince(previous, rows);
  return [
    renderChangeList(rows),
    '',
    ...(moved.length === 0 ? [] : ['moved since the last refresh:', ...moved.map((m) => `  ${m}`), '']),
    `updated ${at.toISOString().slice(11, 19)} UTC · every ${seconds} s · Ctrl-C to stop`,
  ].join('\n');
}

/** Refreshes until Ctrl-C (or SIGTERM): on a terminal in place, otherwise one frame after another. */
export async function watchList(
  list: () => Promise<readonly ListedChange[]>,
  seconds: number,
  write: (text: string) => void,
  isTerminal: boolean,
): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let previous: Map<string, string> | undefined;
  let running = true;
  void stopped.then(() => {
    running = false;
  });
  try {
    while (running) {
      const rows = await list();
      const frame = watchFrame(rows, previous, new Date(), seconds);
      write(isTerminal ? `\x1b[H\x1b[2J${frame}\n` : `${frame}\n\n`);
      previous = new Map(rows.map((r) => [r.workflowId, listedState(r)]));
      // Cleared on Ctrl-C: a pending timer would keep the process alive for up to an interval.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, seconds * 1000)))]);
      clearTimeout(timer);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
