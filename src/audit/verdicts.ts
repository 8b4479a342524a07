import type { ChangeRecord } from './change-record';

/** One row of the verdict export: what the AI proposed, what policy and people decided, what happened. */
export interface VerdictRow {
  readonly id: string;
  readonly workflowId: string;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly recommendation: {
    readonly tenant: string;
    readonly environment: string;
    readonly zone: string;
    readonly kind: string;
    readonly title: string;
    readonly subject: string;
    readonly change: ChangeRecord['change'];
    readonly confidence: number;
    readonly rationale: string;
    readonly incidentId: string | null;
  };
  readonly provenance: {
    readonly agent: string;
    readonly model: string;
    readonly modelVersion: string;
    readonly promptTemplate: string;
    readonly promptTemplateVersion: string;
    readonly onBehalfOf: string | null;
  };
  readonly policy: {
    readonly tier: ChangeRecord['tier'];
    readonly route: ChangeRecord['route'];
    readonly rules: readonly string[];
    readonly policyVersion: string | null;
    readonly policyHash: string | null;
  } | null;
  readonly human: {
    readonly verdict: 'approved' | 'rejected' | 'none';
    readonly reason: string | null;
    readonly who: readonly string[];
    readonly breakGlass: string | null;
  };
  readonly outcome: {
    readonly state: string;
    readonly code: string | null;
    readonly message: string | null;
    readonly executed: boolean;
    readonly rolledBack: boolean;
  };
}

function humanVerdict(r: ChangeRecord): VerdictRow['human'] {
  const rejection = r.rejections[r.rejections.length - 1];
  if (rejection !== undefined)
    return { verdict: 'rejected', reason: rejection.reason, who: [rejection.principal], breakGlass: null };
  if (r.approvers.length > 0 || r.breakGlass !== null) {
    const who = [...new Set(r.approvers.map((a) => a.principal))];
    const reasons = [...new Set(r.approvers.map((a) => a.reason).filter((x) => x !== ''))];
    return {
      verdict: 'approved',
      reason: reasons.length === 0 ? null : reasons.join('; '),
      who,
      breakGlass: r.breakGlass?.id ?? null,
    };
  }
  return { verdict: 'none', reason: null, who: [], breakGlass: null };
}

/**
 * The verdict row of a closed change that policy or a person decided; null for a change still
 * open or one that ended before any decision (refused input, cancelled before classification).
 */
export function verdictRowOf(r: ChangeRecord): VerdictRow | null {
  if (!r.final) return null;
  const human = humanVerdict(r);
  if (r.tier === null && human.verdict === 'none') return null;
  return {
    id: r.id,
    workflowId: r.workflowId,
    openedAt: r.openedAt,
    closedAt: r.closedAt,
    recommendation: {
      tenant: r.tenant,
      environment: r.environment,
      zone: r.zone,
      kind: r.kind,
      title: r.title,
      subject: r.subject,
      change: r.change,
      confidence: r.confidence,
      rationale: r.rationale,
      incidentId: r.incidentId,
    },
    provenance: {
      agent: r.agent,
      model: r.model,
      modelVersion: r.modelVersion,
      promptTemplate: r.promptTemplate,
      promptTemplateVersion: r.promptTemplateVersion,
      onBehalfOf: r.onBehalfOf,
    },
    policy:
      r.tier === null
        ? null
        : {
            tier: r.tier,
            route: r.route,
            rules: r.rules,
            policyVersion: r.policyVersion,
            policyHash: r.policyHash,
          },
    human,
    outcome: {
      state: r.state,
      code: r.outcome?.code ?? null,
      message: r.outcome?.message ?? null,
      executed: r.executed,
      rolledBack: r.rolledBack,
    },
  };
}

export function verdictRows(records: readonly ChangeRecord[]): VerdictRow[] {
  return records.flatMap((r) => {
    const row = verdictRowOf(r);
    return row === null ? [] : [row];
  });
}
