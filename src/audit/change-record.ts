import type { ChangeState } from '../change/states';
import { isFinal } from '../change/states';
import type { ChangeView } from '../change/view';
import type { EvidenceEntry } from '../evidence/chain';
import { changeTitle, subjectOf } from '../kinds/kinds';
import type { Route, Tier } from '../policy/decision';
import type { Change } from '../schema/recommendation';
import type { ApproverMark, RejectionMark, RequestSpan } from './approval-timeline';
import { approvalTimeline } from './approval-timeline';

/**
 * One change as audit, report and verdict export see it: derived from a closed change's
 * ChangeResult or a running change's view and evidence. Plain data; never an activity payload
 * (plans, live records, receipts) and never a secret.
 */
export interface ChangeRecord {
  readonly id: string;
  readonly workflowId: string;
  readonly tenant: string;
  readonly environment: string;
  readonly zone: string;
  readonly kind: string;
  readonly title: string;
  /** The change as the AI proposed it (secrets are only ever `{ secretRef }` references there). */
  readonly change: Change;
  /** What the change is about, normalised: `zone name type` (an RRset, or a domain's registry object). */
  readonly subject: string;
  readonly tier: Tier | null;
  readonly route: Route | null;
  readonly policyVersion: string | null;
  readonly policyHash: string | null;
  /** Policy rules that decided the tier. */
  readonly rules: readonly string[];
  readonly state: ChangeState;
  readonly final: boolean;
  readonly outcome: { readonly code: string; readonly message: string } | null;
  readonly agent: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly promptTemplate: string;
  readonly promptTemplateVersion: string;
  readonly onBehalfOf: string | null;
  readonly confidence: number;
  readonly rationale: string;
  readonly incidentId: string | null;
  readonly approvers: readonly ApproverMark[];
  readonly rejections: readonly RejectionMark[];
  readonly refusedDecisions: number;
  readonly approvalRequests: readonly RequestSpan[];
  /** Overrides it ran under or was held by (`break-glass:bg-1`, `exception:x`, `freeze:zone:y`). */
  readonly overrides: readonly string[];
  readonly breakGlass: { readonly id: string; readonly holder: string } | null;
  /** Why a governor re-routed it from automatic to approval, or null. */
  readonly rerouted: string | null;
  /** A provider write was attempted (and found live or applied). */
  readonly executed: boolean;
  /** A rollback was attempted. */
  readonly rolledBack: boolean;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly evidenceHead: string;
  readonly evidenceLength: number;
  /** The execution's run id (from visibility), which names its sealed bundle; null when not known. */
  readonly runId: string | null;
}

/** What the audit client knows of a change besides its view and evidence (from visibility). */
export interface ChangeTimes {
  readonly startTime?: string;
  readonly closeTime?: string | null;
  readonly runId?: string;
}

const normalName = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

function subjectText(view: ChangeView): string {
  const rec = view.recommendation;
  try {
    const subject = subjectOf(rec);
    return `${normalName(rec.target.zone)} ${normalName(subject.name)} ${subject.type}`;
  } catch {
    return `${normalName(rec.target.zone)} ${rec.change.kind}`;
  }
}

export function changeRecordOf(
  view: ChangeView,
  evidence: readonly EvidenceEntry[],
  times: ChangeTimes = {},
): ChangeRecord {
  const rec = view.recommendation;
  const timeline = approvalTimeline(evidence);
  const steps = evidence.map((e) => e.step);
  const closeEntry = [...evidence].reverse().find((e) => e.step === 'close');
  const final = isFinal(view.state);
  const breakGlass = view.overrides?.breakGlass ?? null;
  return {
    id: rec.id,
    workflowId: view.workflowId,
    tenant: rec.target.tenant,
    environment: rec.target.environment,
    zone: rec.target.zone,
    kind: rec.change.kind,
    title: changeTitle(rec),
    change: rec.change,
    subject: subjectText(view),
    tier: view.decision?.tier ?? null,
    route: view.decision?.route ?? null,
    policyVersion: view.decision?.policyVersion ?? null,
    policyHash: view.decision?.policyHash ?? null,
    rules: [...new Set((view.decision?.reasons ?? []).map((r) => r.rule))],
    state: view.state,
    final,
    outcome: view.outcome,
    agent: rec.source.agent,
    model: rec.source.model,
    modelVersion: rec.source.modelVersion,
    promptTemplate: rec.source.promptTemplate,
    promptTemplateVersion: rec.source.promptTemplateVersion,
    onBehalfOf: rec.source.onBehalfOf ?? null,
    confidence: rec.confidence,
    rationale: rec.rationale,
    incidentId: rec.incidentId ?? null,
    approvers: timeline.approvers,
    rejections: timeline.rejections,
    refusedDecisions: timeline.refusedDecisions,
    approvalRequests: timeline.requests,
    overrides: view.overrides?.marks ?? [],
    breakGlass: breakGlass === null ? null : { id: breakGlass.id, holder: breakGlass.holder },
    rerouted: view.governor?.rerouted?.message ?? null,
    executed: steps.some((s) => s === 'execute_applied' || s === 'execute_already_applied'),
    rolledBack: steps.some((s) => s.startsWith('rollback_')),
    openedAt: times.startTime ?? evidence[0]?.at ?? rec.requestedAt,
    closedAt: final ? (times.closeTime ?? closeEntry?.at ?? null) : null,
    runId: times.runId ?? null,
    evidenceHead: view.evidenceHead,
    evidenceLength: view.evidenceLength,
  };
}
