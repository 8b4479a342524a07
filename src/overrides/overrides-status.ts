import { describeEffect } from './exception';
import type { ExceptionSpec } from './exception';
import type { OverridesState } from './overrides-state';
import { activeFreezeViews } from './overrides-state';
import type { FreezeView } from './overrides-state';

const iso = (ms: number) => new Date(ms).toISOString();

/** The overrides part of `countersign governor status` (and of `exceptions list`). */
export interface OverridesStatus {
  readonly frozen: boolean;
  readonly freezes: readonly FreezeView[];
  /** Changes held by the freeze (or let go in order after it), in arrival order. */
  readonly heldByFreeze: readonly string[];
  readonly incidents: readonly {
    readonly id: string;
    readonly title: string;
    readonly openedBy: string;
    readonly openedAt: string;
    readonly via: string;
  }[];
  readonly breakGlass: readonly {
    readonly id: string;
    readonly holder: string;
    readonly reason: string;
    readonly incident: string | null;
    readonly since: string;
    readonly expiresAt: string;
    readonly endedAt: string | null;
    readonly changes: readonly string[];
  }[];
  readonly reviews: readonly {
    readonly grantId: string;
    readonly holder: string;
    readonly changes: readonly string[];
    readonly status: string;
    readonly overdue: boolean;
    readonly dueAt: string;
    readonly reviewer: string | null;
    readonly reason: string | null;
  }[];
  readonly exceptions: readonly {
    readonly id: string;
    readonly scope: string;
    readonly status: string;
    readonly owner: string;
    readonly justification: string;
    readonly effect: string;
    readonly match: ExceptionSpec['match'];
    readonly approvedBy: readonly string[];
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly incident: string | null;
    readonly change: string | null;
    /** sha256 of the exact spec: a second approver signs it. */
    readonly specHash: string;
  }[];
  readonly counters: OverridesState['counters'];
}

export function overridesStatus(
  o: OverridesState,
  scope: string,
  now: number,
  hash: (value: unknown) => string,
): OverridesStatus {
  const freezes = activeFreezeViews(o, scope, now);
  return {
    frozen: freezes.length > 0,
    freezes,
    heldByFreeze: [...o.frozen, ...o.thawing],
    incidents: Object.values(o.incidents).map((i) => ({ ...i, openedAt: iso(i.openedAt) })),
    breakGlass: o.grants.map((g) => ({
      id: g.id,
      holder: g.holder,
      reason: g.reason,
      incident: g.incident,
      since: iso(g.since),
      expiresAt: iso(g.expiresAt),
      endedAt: g.endedAt === null ? null : iso(g.endedAt),
      changes: g.changes,
    })),
    reviews: o.reviews.map((r) => ({
      grantId: r.grantId,
      holder: r.holder,
      changes: r.changes,
      status: r.status,
      overdue: r.overdue,
      dueAt: iso(r.dueAt),
      reviewer: r.reviewer,
      reason: r.reason,
    })),
    exceptions: o.exceptions.map((e) => ({
      id: e.spec.id,
      scope: e.scope,
      status: e.status === 'active' && e.expiresAt <= now ? 'expired' : e.status,
      owner: e.spec.owner,
      justification: e.spec.justification,
      effect: describeEffect(e.spec.effect),
      match: e.spec.match,
      approvedBy: e.approvedBy,
      createdAt: iso(e.createdAt),
      expiresAt: e.spec.expiresAt,
      incident: e.spec.incident ?? null,
      change: e.spec.change ?? null,
      specHash: hash(e.spec),
    })),
    counters: o.counters,
  };
}

function describeMatch(match: ExceptionSpec['match']): string {
  const parts = [
    match.kinds === undefined ? null : `kind ${match.kinds.join('|')}`,
    match.names === undefined ? null : `name ${match.names.join('|')}`,
    match.types === undefined ? null : `type ${match.types.join('|')}`,
    match.environments === undefined ? null : `env ${match.environments.join('|')}`,
    match.ttlOnly === undefined ? null : match.ttlOnly ? 'TTL-only' : 'not TTL-only',
  ].filter((p) => p !== null);
  return parts.length === 0 ? 'every change' : parts.join(', ');
}

export function renderException(e: OverridesStatus['exceptions'][number]): string {
  return `${e.id} [${e.status}] ${e.scope}: ${e.effect} for ${describeMatch(e.match)}; owner ${e.owner}; approved by ${e.approvedBy.join(', ')}; until ${e.expiresAt}${e.incident === null ? '' : `; incident ${e.incident}`}${e.change === null ? '' : `; change ${e.change}`} — ${e.justification}`;
}

export function renderOverrides(s: OverridesStatus): string[] {
  const lines: string[] = ['', `freeze: ${s.frozen ? 'FROZEN' : 'not frozen'}`];
  for (const f of s.freezes)
    lines.push(
      `  by ${f.by} since ${f.since}${f.until === null ? '' : ` until ${f.until}`}${f.incident === null ? '' : ` (incident ${f.incident})`}: ${f.reason}`,
    );
  if (s.heldByFreeze.length > 0) lines.push(`  held: ${s.heldByFreeze.join(', ')}`);
  if (s.incidents.length > 0) {
    lines.push('open incidents:');
    for (const i of s.incidents) lines.push(`  ${i.id} (${i.via}, ${i.openedBy}, ${i.openedAt}): ${i.title}`);
  }
  const active = s.breakGlass.filter((g) => g.endedAt === null);
  lines.push(`break-glass: ${active.length === 0 ? 'none active' : ''}`);
  for (const g of active)
    lines.push(
      `  ${g.id} ${g.holder} until ${g.expiresAt}${g.incident === null ? '' : ` (incident ${g.incident})`}: ${g.reason}; changes: ${g.changes.join(', ') || 'none yet'}`,
    );
  const open = s.reviews.filter((r) => r.status === 'open' || r.status === 'overdue');
  if (open.length > 0) {
    lines.push('retroactive reviews waiting:');
    for (const r of open)
      lines.push(
        `  ${r.grantId} of ${r.holder}, ${r.changes.length} change(s), ${r.status === 'overdue' ? 'OVERDUE since' : 'due'} ${r.dueAt}: countersign break-glass review ${r.grantId} --scope ... --key <key> --approve|--reject --reason "..."`,
      );
  }
  for (const r of s.reviews.filter((x) => x.status === 'approved' || x.status === 'rejected').slice(-3))
    lines.push(
      `reviewed: ${r.grantId} of ${r.holder} ${r.status} by ${r.reviewer ?? '?'}${r.overdue ? ' (overdue)' : ''}: ${r.reason ?? ''}`,
    );
  const current = s.exceptions.filter((e) => e.status === 'active' || e.status === 'proposed');
  lines.push(`exceptions: ${current.length === 0 ? 'none' : ''}`);
  for (const e of current) lines.push(`  ${renderException(e)}`);
  return lines;
}
