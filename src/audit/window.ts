import { durationPattern, parseDuration } from '../policy/duration';

/** A time window, ms since epoch; null: open on that side. */
export interface Window {
  readonly since: number | null;
  readonly until: number | null;
}

export type InstantParse = { ok: true; ms: number } | { ok: false; message: string };

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `--since` / `--until`: a duration back from `now` (`7d`, `24h`, `1h30m`), an ISO date
 * (`2026-11-20`, midnight UTC) or an ISO 8601 instant with its zone (`2026-11-20T10:00:00Z`).
 */
export function parseInstant(option: string, text: string, now: number): InstantParse {
  const value = text.trim();
  if (durationPattern.test(value)) return { ok: true, ms: now - parseDuration(value) * 1000 };
  if (isoDate.test(value) || isoTime.test(value)) {
    const ms = Date.parse(isoDate.test(value) ? `${value}T00:00:00Z` : value);
    // A calendar date that does not exist (2026-02-30) is refused, not rolled over.
    const day = value.slice(0, 10);
    const dayMs = Date.parse(`${day}T00:00:00Z`);
    const realDay = !Number.isNaN(dayMs) && new Date(dayMs).toISOString().slice(0, 10) === day;
    if (!Number.isNaN(ms) && realDay) return { ok: true, ms };
  }
  return {
    ok: false,
    message: `${option}: expected a duration back from now (7d, 24h, 90m) or an ISO 8601 date or time (2026-11-20, 2026-11-20T10:00:00Z), received "${text.slice(0, 80)}"`,
  };
}

export type WindowParse = { ok: true; window: Window } | { ok: false; message: string };

export function parseWindow(
  options: { since?: string | undefined; until?: string | undefined },
  now: number,
): WindowParse {
  const since = options.since === undefined ? undefined : parseInstant('--since', options.since, now);
  if (since !== undefined && !since.ok) return since;
  const until = options.until === undefined ? undefined : parseInstant('--until', options.until, now);
  if (until !== undefined && !until.ok) return until;
  const window = { since: since?.ms ?? null, until: until?.ms ?? null };
  if (window.since !== null && window.until !== null && window.since > window.until)
    return {
      ok: false,
      message: `--since: ${new Date(window.since).toISOString()} is after --until ${new Date(window.until).toISOString()}; expected since <= until`,
    };
  return { ok: true, window };
}

const inside = (ms: number, w: Window) =>
  (w.since === null || ms >= w.since) && (w.until === null || ms <= w.until);

/**
 * Which changes a window selects. `opened`: submitted in it (report). `closed`: closed in it, so
 * adjacent windows export each closed change once (verdicts). `active`: open at any moment of it (audit).
 */
export type WindowBasis = 'opened' | 'closed' | 'active';

export function inWindow(
  times: { openedAt: string; closedAt: string | null },
  w: Window,
  basis: WindowBasis,
): boolean {
  const opened = Date.parse(times.openedAt);
  const closed = times.closedAt === null ? null : Date.parse(times.closedAt);
  switch (basis) {
    case 'opened':
      return inside(opened, w);
    case 'closed':
      return closed !== null && inside(closed, w);
    case 'active':
      return (
        (w.until === null || opened <= w.until) && (w.since === null || closed === null || closed >= w.since)
      );
  }
}
