import type { ChangeRecord } from './change-record';
import type { Percentiles } from './percentiles';
import { percentiles } from './percentiles';
import type { RepeatedSuggestion } from './repeats';
import { repeatedSuggestions } from './repeats';
import type { Window } from './window';

export interface CountRow {
  readonly route: string;
  readonly outcome: string;
  readonly count: number;
}

export interface ModelRow {
  readonly agent: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly proposals: number;
  /** Changes written to a provider (including those rolled back afterwards). */
  readonly executions: number;
  /** proposals / executions; null when nothing was executed. */
  readonly proposalsPerExecution: number | null;
  readonly approved: number;
  readonly rejected: number;
  readonly blocked: number;
}

export interface ReportRejection {
  readonly id: string;
  readonly subject: string;
  readonly principal: string;
  readonly reason: string;
  readonly at: string;
  readonly veto: boolean;
}

export interface ReportOverride {
  readonly id: string;
  readonly state: string;
  readonly breakGlass: string | null;
  readonly overrides: readonly string[];
  readonly rerouted: string | null;
}

/** The weekly summary a team reads (`countersign report`). Durations in ms. */
export interface Report {
  readonly since: string | null;
  readonly until: string | null;
  readonly changes: number;
  /** Still running at the time of the report. */
  readonly open: number;
  readonly byRoute: Readonly<Record<string, number>>;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly byRouteAndOutcome: readonly CountRow[];
  /** From an approval request opening to the decision that completed it. */
  readonly approvalLatencyMs: Percentiles;
  /** Approval requests that never completed (expired, voided by re-staging, closed). */
  readonly unansweredRequests: number;
  /** Approval requests still waiting for a decision. */
  readonly pendingRequests: number;
  readonly rejections: readonly ReportRejection[];
  readonly rollbacks: readonly { readonly id: string; readonly state: string; readonly outcome: string }[];
  readonly overrides: readonly ReportOverride[];
  readonly repeated: readonly RepeatedSuggestion[];
  readonly models: readonly ModelRow[];
}

const routeOf = (r: ChangeRecord) => r.route ?? 'undecided';
const outcomeOf = (r: ChangeRecord) => (r.final ? r.state : 'open');

function countBy(records: readonly ChangeRecord[], key: (r: ChangeRecord) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

export function buildReport(records: readonly ChangeRecord[], window: Window): Report {
  const pairs = new Map<string, CountRow>();
  for (const r of records) {
    const key = `${routeOf(r)} ${outcomeOf(r)}`;
    const row = pairs.get(key);
    pairs.set(key, { route: routeOf(r), outcome: outcomeOf(r), count: (row?.count ?? 0) + 1 });
  }
  const requests = records.flatMap((r) => r.approvalRequests);
  const models = new Map<string, ModelRow>();
  for (const r of records) {
    const key = `${r.agent}\u0000${r.model}\u0000${r.modelVersion}`;
    const row = models.get(key) ?? {
      agent: r.agent,
      model: r.model,
      modelVersion: r.modelVersion,
      proposals: 0,
      executions: 0,
      proposalsPerExecution: null,
      approved: 0,
      rejected: 0,
      blocked: 0,
    };
    const proposals = row.proposals + 1;
    const executions = row.executions + (r.executed ? 1 : 0);
    models.set(key, {
      ...row,
      proposals,
      executions,
      proposalsPerExecution: executions === 0 ? null : Math.round((proposals / executions) * 100) / 100,
      approved: row.approved + (r.approvers.length > 0 && r.rejections.length === 0 ? 1 : 0),
      rejected: row.rejected + (r.state === 'rejected' ? 1 : 0),
      blocked: row.blocked + (r.state === 'blocked' ? 1 : 0),
    });
  }
  return {
    since: window.since === null ? null : new Date(window.since).toISOString(),
    until: window.until === null ? null : new Date(window.until).toISOString(),
    changes: records.length,
    open: records.filter((r) => !r.final).length,
    byRoute: countBy(records, routeOf),
    byOutcome: countBy(records, outcomeOf),
    byRouteAndOutcome: [...pairs.values()].sort(
      (a, b) => b.count - a.count || `${a.route} ${a.outcome}`.localeCompare(`${b.route} ${b.outcome}`),
    ),
    approvalLatencyMs: percentiles(requests.flatMap((q) => (q.latencyMs === null ? [] : [q.latencyMs]))),
    unansweredRequests: requests.filter((q) => q.decidedAt === null && !q.pending).length,
    pendingRequests: requests.filter((q) => q.pending).length,
    rejections: records.flatMap((r) =>
      r.rejections.map((x) => ({
        id: r.id,
        subject: r.subject,
        principal: x.principal,
        reason: x.reason,
        at: x.at,
        veto: x.veto,
      })),
    ),
    rollbacks: records
      .filter((r) => r.rolledBack)
      .map((r) => ({ id: r.id, state: r.state, outcome: r.outcome?.message ?? '' })),
    overrides: records
      .filter((r) => r.breakGlass !== null || r.overrides.length > 0 || r.rerouted !== null)
      .map((r) => ({
        id: r.id,
        state: r.state,
        breakGlass: r.breakGlass === null ? null : `${r.breakGlass.id} (${r.breakGlass.holder})`,
        overrides: r.overrides,
        rerouted: r.rerouted,
      })),
    repeated: repeatedSuggestions(records),
    models: [...models.values()].sort(
      (a, b) => b.proposals - a.proposals || a.modelVersion.localeCompare(b.modelVersion),
    ),
  };
}
