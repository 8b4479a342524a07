import { changeTitle, describeChange, describeRollback } from '../kinds/kinds';
import { describeTier } from '../policy/decision';
import { formatDuration } from '../policy/duration';
import type { ChangeView } from './view';

/**
 * The decision card: everything an approver needs on one screen, as Markdown for the Temporal UI
 * (current details) and the CLI. Pure, so the card is the same wherever it is shown.
 */
export function renderDecisionCard(view: ChangeView): string {
  const rec = view.recommendation;
  const lines: string[] = [];
  lines.push(`### ${changeTitle(rec)} — ${view.state}`);
  lines.push('');
  lines.push(`**Target** ${rec.target.zone} (${rec.target.environment}, tenant ${rec.target.tenant})`);
  lines.push(
    `**Proposed by** ${rec.source.agent} (${rec.source.model} ${rec.source.modelVersion}, prompt ${rec.source.promptTemplate}@${rec.source.promptTemplateVersion})${rec.source.onBehalfOf === undefined ? '' : ` on behalf of ${rec.source.onBehalfOf}`}`,
  );
  lines.push(
    `**Confidence** ${rec.confidence.toFixed(2)}${rec.incidentId === undefined ? '' : ` · incident ${rec.incidentId}`}`,
  );
  lines.push(`**Why** ${rec.rationale}`);
  const governor = view.governor;
  if (governor !== undefined && governor.hold !== null) {
    const h = governor.hold;
    lines.push('');
    lines.push(
      `**Held by the governor** ${h.message}${h.resetsAt === undefined || h.resetsAt === null ? '' : `; frees at ${h.resetsAt}`}`,
    );
    for (const step of h.whatToDo) lines.push(`- ${step}`);
  }
  if (governor !== undefined && governor.rerouted !== null) {
    const r = governor.rerouted;
    lines.push('');
    lines.push(`**Proposal-only** (would have run automatically): ${r.message}`);
    for (const step of r.whatToDo) lines.push(`- ${step}`);
  }
  if (governor !== undefined && governor.flags.length > 0) {
    lines.push('');
    lines.push(`**Flagged** ${governor.flags.map((f) => `${f.kind}: ${f.message}`).join('; ')}`);
  }
  lines.push(...overrideLines(view));
  if (view.plan !== null) {
    lines.push('');
    lines.push(`**Change** (plan ${view.plan.hash.slice(0, 16)})`);
    lines.push('```diff', ...describeChange(view.plan), '```');
    lines.push(`**Rollback** ${describeRollback(view.plan)}`);
  }
  if (view.decision !== null) {
    const d = view.decision;
    lines.push('');
    lines.push(`**Risk** ${describeTier(d.tier)} under policy ${d.policyVersion}`);
    for (const r of d.reasons)
      lines.push(
        `- \`${r.rule}\` ${r.path} = ${r.value}${r.threshold === undefined ? '' : ` (${r.threshold})`}: ${r.message}`,
      );
    const roles = d.approvals.roles.map((r) => `${r.count} ${r.role}`).join(' + ');
    if (d.approvals.count > 0) {
      lines.push(
        `**Needs** ${d.approvals.count} distinct approver(s)${roles === '' ? '' : `: ${roles}`}${d.coolingOffSeconds > 0 ? `, then ${formatDuration(d.coolingOffSeconds)} cooling-off` : ''}`,
      );
    }
  }
  if (view.approval !== null) {
    const a = view.approval;
    lines.push('');
    lines.push(
      `**Approvals** ${a.state.approvals.length} of ${a.required} (${a.state.status}), expires ${a.expiresAt}`,
    );
    for (const given of a.state.approvals) lines.push(`- approved by ${given.principal}: ${given.reason}`);
    if (a.state.rejection !== undefined)
      lines.push(`- rejected by ${a.state.rejection.principal}: ${a.state.rejection.reason}`);
    if (a.excluded.length > 0)
      lines.push(`- may not approve: ${a.excluded.map((e) => e.principal).join(', ')}`);
  }
  if (view.coolingOffUntil !== null)
    lines.push(`**Cooling-off** until ${view.coolingOffUntil}; any approver may veto`);
  if (view.outcome !== null) lines.push('', `**Outcome** ${view.outcome.code}: ${view.outcome.message}`);
  return lines.join('\n');
}

/** Freezes, break-glass and exceptions around the change: what a person deciding must know. */
function overrideLines(view: ChangeView): string[] {
  const o = view.overrides;
  if (o === undefined) return [];
  const lines: string[] = [];
  const frozen = o.active.freezes;
  if (frozen.length > 0 && view.governor?.hold?.code !== 'freeze')
    lines.push(
      `**Frozen** ${frozen.map((f) => `${f.scope} by ${f.by}${f.until === null ? '' : ` until ${f.until}`}: ${f.reason}`).join('; ')} — approvals may be given; execution waits until it is lifted`,
    );
  const g = o.breakGlass;
  if (g !== null)
    lines.push(
      `**Break-glass** approved by ${g.holder} under ${g.id} (${g.scope}, until ${g.expiresAt}${g.incident === null ? '' : `, incident ${g.incident}`}): no second approver; a different operator reviews it afterwards`,
    );
  else if (o.active.breakGlass.length > 0)
    lines.push(
      `**Break-glass in force** ${o.active.breakGlass.map((b) => `${b.holder} in ${b.scope} until ${b.expiresAt}`).join('; ')}: their signed approval alone lets this change run`,
    );
  const applied = o.marks.filter((m) => m.startsWith('exception:')).map((m) => m.slice('exception:'.length));
  for (const e of o.active.exceptions.filter((x) => applied.includes(x.id)))
    lines.push(
      `**Exception** ${e.id} (${e.scope}, ${e.effect.direction} to tier ${e.effect.tier}) owned by ${e.owner}, until ${e.expiresAt}: ${e.justification}`,
    );
  return lines.length === 0 ? [] : ['', ...lines];
}
