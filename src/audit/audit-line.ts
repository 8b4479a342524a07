import type { ChangeRecord } from './change-record';

/** One line of `countersign audit --json`: what a SIEM indexes per change. */
export function auditLineOf(r: ChangeRecord) {
  return {
    id: r.id,
    workflowId: r.workflowId,
    tenant: r.tenant,
    environment: r.environment,
    zone: r.zone,
    kind: r.kind,
    title: r.title,
    subject: r.subject,
    tier: r.tier,
    route: r.route,
    policyVersion: r.policyVersion,
    rules: r.rules,
    state: r.state,
    outcome: r.outcome,
    agent: r.agent,
    model: r.model,
    modelVersion: r.modelVersion,
    onBehalfOf: r.onBehalfOf,
    confidence: r.confidence,
    incidentId: r.incidentId,
    approvers: r.approvers.map((a) => ({
      principal: a.principal,
      roles: a.roles,
      at: a.at,
      channel: a.channel,
      reason: a.reason,
    })),
    rejections: r.rejections,
    refusedDecisions: r.refusedDecisions,
    approvalLatencyMs: r.approvalRequests.flatMap((q) => (q.latencyMs === null ? [] : [q.latencyMs])),
    overrides: r.overrides,
    breakGlass: r.breakGlass,
    rerouted: r.rerouted,
    executed: r.executed,
    rolledBack: r.rolledBack,
    openedAt: r.openedAt,
    closedAt: r.closedAt,
    evidenceHead: r.evidenceHead,
    evidenceLength: r.evidenceLength,
  };
}

export type AuditLine = ReturnType<typeof auditLineOf>;
