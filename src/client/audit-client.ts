import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import pLimit from 'p-limit';
import type { ChangeRecord } from '../audit/change-record';
import { changeRecordOf } from '../audit/change-record';
import type { Window, WindowBasis } from '../audit/window';
import { effectiveState, stateClause } from '../change/execution-status';
import type { ChangeState } from '../change/states';
import type { ChangeResult, ChangeView } from '../change/view';
import { stateKey, tierKey, zoneKey } from '../search-attributes';
import type { changeWorkflow } from '../../workflows/change-workflow';
import { evidenceQuery, stateQuery } from '../../workflows/messages';

/** What visibility can narrow by; the rest (tenant, approver, incident, model) is filtered on the records. */
export interface AuditQuery {
  readonly window: Window;
  readonly basis: WindowBasis;
  readonly zone?: string;
  readonly tier?: string;
  readonly state?: ChangeState;
  /** At most this many changes are read (newest first); default 1000. */
  readonly limit?: number;
  /** Changes read at once; default 8. */
  readonly concurrency?: number;
}

export interface AuditListing {
  readonly records: readonly ChangeRecord[];
  /** Changes listed but not readable (never hidden, never failing the rest). */
  readonly unreadable: readonly { readonly workflowId: string; readonly reason: string }[];
  /** More changes matched than `limit`. */
  readonly truncated: boolean;
}

/** A literal for a visibility query: quotes and backslashes cannot end it early. */
const literal = (value: string) => `'${value.replace(/['\\]/g, '')}'`;
const instant = (ms: number) => literal(new Date(ms).toISOString());

/**
 * The visibility query for an audit: change workflows in the window (by `basis`) and, where a
 * search attribute holds it, the zone (with or without its final dot), tier and state.
 */
export function auditVisibilityQuery(q: AuditQuery): string {
  const clauses = ["WorkflowType = 'changeWorkflow'"];
  const { since, until } = q.window;
  if (q.basis === 'opened') {
    if (since !== null) clauses.push(`StartTime >= ${instant(since)}`);
    if (until !== null) clauses.push(`StartTime <= ${instant(until)}`);
  } else if (q.basis === 'closed') {
    clauses.push("ExecutionStatus != 'Running'");
    if (since !== null) clauses.push(`CloseTime >= ${instant(since)}`);
    if (until !== null) clauses.push(`CloseTime <= ${instant(until)}`);
  } else {
    if (until !== null) clauses.push(`StartTime <= ${instant(until)}`);
    if (since !== null) clauses.push(`(ExecutionStatus = 'Running' OR CloseTime >= ${instant(since)})`);
  }
  if (q.zone !== undefined) {
    const bare = q.zone.replace(/\.$/, '');
    clauses.push(`${zoneKey.name} IN (${literal(bare)}, ${literal(`${bare}.`)})`);
  }
  if (q.tier !== undefined) clauses.push(`${tierKey.name} = ${literal(q.tier)}`);
  if (q.state !== undefined) clauses.push(stateClause(q.state, stateKey.name));
  return clauses.join(' AND ');
}

/** How long one change may take to answer a query before it is reported unreadable. */
const queryTimeoutMs = 15_000;

/** Reads changes for `countersign audit`, `report` and `verdicts`: visibility to list, results and queries to read. */
export class AuditClient {
  constructor(readonly client: Client) {}

  async records(q: AuditQuery): Promise<AuditListing> {
    const limit = q.limit ?? 1000;
    const listed: WorkflowExecutionInfo[] = [];
    let truncated = false;
    for await (const wf of this.client.workflow.list({ query: auditVisibilityQuery(q) })) {
      if (listed.length >= limit) {
        truncated = true;
        break;
      }
      listed.push(wf);
    }
    const unreadable: { workflowId: string; reason: string }[] = [];
    const gate = pLimit(q.concurrency ?? 8);
    const read = await Promise.all(
      listed.map((wf) =>
        gate(async () => {
          try {
            return await this.read(wf);
          } catch (err) {
            unreadable.push({
              workflowId: wf.workflowId,
              reason: err instanceof Error ? err.message : String(err),
            });
            return null;
          }
        }),
      ),
    );
    const records = read
      .filter((r): r is ChangeRecord => r !== null)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
    return { records, unreadable, truncated };
  }

  /** A closed change from its result; any other from its `state` and `evidence` queries. */
  private async read(wf: WorkflowExecutionInfo): Promise<ChangeRecord> {
    const handle = this.client.workflow.getHandle<typeof changeWorkflow>(wf.workflowId, wf.runId);
    const times = {
      startTime: wf.startTime.toISOString(),
      closeTime: wf.closeTime === undefined ? null : wf.closeTime.toISOString(),
      runId: wf.runId,
    };
    const status = wf.status.name;
    if (status === 'COMPLETED') {
      const result: ChangeResult = await handle.result();
      return changeRecordOf(result.view, result.evidence, times);
    }
    const [view, evidence] = await this.client.withDeadline(Date.now() + queryTimeoutMs, () =>
      Promise.all([handle.query(stateQuery), handle.query(evidenceQuery)]),
    );
    return changeRecordOf(this.truthful(view, status), evidence, times);
  }

  /** Ended without its own close (terminate, timeout, a failed task): the execution status tells the truth. */
  private truthful(view: ChangeView, status: string): ChangeView {
    const state = effectiveState(status, view.state) ?? view.state;
    if (state === view.state) return view;
    return {
      ...view,
      state,
      outcome: view.outcome ?? { code: state, message: `the execution is ${status.toLowerCase()}` },
    };
  }
}
