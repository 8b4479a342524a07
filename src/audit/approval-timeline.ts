import type { EvidenceEntry } from '../evidence/chain';

/** A counted approval, as the evidence recorded it. */
export interface ApproverMark {
  readonly principal: string;
  readonly roles: readonly string[];
  readonly at: string;
  readonly channel: string;
  readonly reason: string;
  readonly planHash: string;
}

/** A counted rejection, or a veto during cooling-off. */
export interface RejectionMark {
  readonly principal: string;
  readonly reason: string;
  readonly at: string;
  readonly veto: boolean;
}

/** One approval request and how it ended. */
export interface RequestSpan {
  readonly openedAt: string;
  readonly required: number;
  /** The decision that completed it (last approval needed, a rejection, a break-glass approval); null: it never completed. */
  readonly decidedAt: string | null;
  readonly decision: 'approved' | 'rejected' | 'break_glass' | null;
  /** ms from the request opening to that decision; null when it never completed. */
  readonly latencyMs: number | null;
  /** Still open: the evidence ends with it waiting (a running change). */
  readonly pending: boolean;
}

export interface ApprovalTimeline {
  readonly approvers: readonly ApproverMark[];
  readonly rejections: readonly RejectionMark[];
  /** Decisions the change refused (wrong plan, excluded principal, bad signature …). */
  readonly refusedDecisions: number;
  readonly requests: readonly RequestSpan[];
}

const record = (data: unknown): Record<string, unknown> =>
  typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Reads the approval story out of a change's evidence: who approved or rejected (with roles,
 * channel, time and reason), and for each approval request when it opened and which decision
 * completed it. Only evidence fields countersign itself wrote are read; activity payloads are not.
 */
export function approvalTimeline(evidence: readonly EvidenceEntry[]): ApprovalTimeline {
  const approvers: ApproverMark[] = [];
  const rejections: RejectionMark[] = [];
  const requests: RequestSpan[] = [];
  let refusedDecisions = 0;
  let open: { openedAt: string; required: number; need: number; counted: number } | null = null;
  const complete = (at: string, decision: RequestSpan['decision']) => {
    if (open === null) return;
    requests.push({
      openedAt: open.openedAt,
      required: open.required,
      decidedAt: at,
      decision,
      latencyMs: Math.max(0, Date.parse(at) - Date.parse(open.openedAt)),
      pending: false,
    });
    open = null;
  };
  const abandon = (pending = false) => {
    if (open === null) return;
    requests.push({
      openedAt: open.openedAt,
      required: open.required,
      decidedAt: null,
      decision: null,
      latencyMs: null,
      pending,
    });
    open = null;
  };
  for (const entry of evidence) {
    const data = record(entry.data);
    switch (entry.step) {
      case 'approval_requested': {
        abandon();
        const required = num(data.required, 1);
        const kept = num(data.kept, 0);
        open = { openedAt: entry.at, required, need: required - kept, counted: 0 };
        if (open.need <= 0) complete(entry.at, 'approved');
        break;
      }
      case 'approve_counted':
        approvers.push({
          principal: entry.actor,
          roles: strings(data.roles),
          at: entry.at,
          channel: str(data.channel),
          reason: str(data.reason),
          planHash: str(data.planHash),
        });
        if (open !== null) {
          open.counted += 1;
          if (open.counted >= open.need) complete(entry.at, 'approved');
        }
        break;
      case 'reject_counted': {
        const veto = open === null && entry.summary.startsWith('vetoed');
        rejections.push({ principal: entry.actor, reason: str(data.reason), at: entry.at, veto });
        complete(entry.at, 'rejected');
        break;
      }
      case 'break_glass':
        complete(entry.at, 'break_glass');
        break;
      case 'approve_refused':
      case 'reject_refused':
        refusedDecisions += 1;
        break;
      case 'approvals_void':
      case 'close':
        abandon();
        break;
    }
  }
  abandon(true);
  return { approvers, rejections, refusedDecisions, requests };
}
