import { changeTitle, describeChange, describeRollback } from '../kinds/kinds';
import { describeTier } from '../policy/decision';
import { formatDuration } from '../policy/duration';
import { reasonSentence } from '../policy/reason-sentence';
import { cardHeadline, readableTime } from './card-headline';
import type { ChangeView } from './view';

/**
 * The decision card: everything an approver needs on one screen, as Markdown for the Temporal UI
 * (current details) and the CLI. Most important first: what waits on whom, what changes, the risk
 * and why, who must decide and by when, how to decide; then who proposed it and the record.
 * Lines that belong together end in two spaces (a hard line break) so that renderers keep them
 * apart; blocks are separated by blank lines. Pure, so the card is the same wherever it is shown.
 */
export function renderDecisionCard(view: ChangeView): string {
  const blocks: string[][] = [
    [`**${escapeInline(cardHeadline(view))}**`, statusLine(view)],
    whatChanges(view),
    risk(view),
    whoDecides(view),
    howToDecide(view),
    governorLines(view),
    overrideLines(view),
    proposal(view),
    record(view),
  ];
  return blocks
    .filter((b) => b.length > 0)
    .map((b) => layout(b).join('\n'))
    .join('\n\n');
}

/**
 * The card as the Temporal UI's current details. The UI sizes its frame to the rendered body
 * without the margins around it, which cut a card's last lines off (about 30 pixels): two blank
 * lines at the end take that cut instead. No-break spaces, since the UI's renderer drops empty
 * paragraphs and shows `&nbsp;` as written.
 */
export function cardForTemporalUi(card: string): string {
  return `${card}\n\n\u00a0  \n\u00a0`;
}

/**
 * Consecutive text lines keep their own lines (two trailing spaces); a list gets blank lines around
 * it, since some renderers (the Temporal UI's among them) would otherwise run it into the paragraph
 * before it, and a line after a list would continue its last item. Code fences stay as they are.
 */
function layout(lines: readonly string[]): string[] {
  const out: string[] = [];
  let fenced = false;
  lines.forEach((line, i) => {
    const fence = line.startsWith('```');
    const inCode = fenced && !fence;
    if (fence) fenced = !fenced;
    const next = lines[i + 1];
    if (next === undefined || inCode || fence || next.startsWith('```')) {
      out.push(line);
      return;
    }
    const item = line.startsWith('- ');
    const nextItem = next.startsWith('- ');
    if (item !== nextItem) out.push(line, '');
    else out.push(item ? line : `${line}  `);
  });
  return out;
}

/** A caller's words inside emphasis: asterisks and underscores would end it early. */
function escapeInline(text: string): string {
  return text.replace(/([*_`])/g, '\\$1');
}

function statusLine(view: ChangeView): string {
  const tier = view.decision === null ? '' : ` · ${describeTier(view.decision.tier)}`;
  return `state \`${view.state}\`${tier} · \`${view.workflowId}\``;
}

function whatChanges(view: ChangeView): string[] {
  const rec = view.recommendation;
  const lines = [
    `**What changes** ${changeTitle(rec)} in ${rec.target.zone} (${rec.target.environment}, tenant ${rec.target.tenant})`,
  ];
  if (view.plan === null) return lines;
  lines.push('```diff', ...describeChange(view.plan), '```');
  lines.push(`**If verification fails** ${describeRollback(view.plan)}`);
  return lines;
}

function risk(view: ChangeView): string[] {
  const d = view.decision;
  if (d === null) return [];
  return [
    `**Risk** ${describeTier(d.tier)} under policy ${d.policyVersion}, because:`,
    ...d.reasons.map((r) => `- ${reasonSentence(r)}`),
  ];
}

function whoDecides(view: ChangeView): string[] {
  const d = view.decision;
  const a = view.approval;
  if (d === null || d.approvals.count === 0) return [];
  const roles = d.approvals.roles.map((r) => `${r.count} ${r.role}`).join(' + ');
  const lines = [
    `**Who decides** ${d.approvals.count} different ${d.approvals.count === 1 ? 'person' : 'people'}${roles === '' ? ', anyone in the approver directory' : `: ${roles}`}${d.coolingOffSeconds > 0 ? `, then ${formatDuration(d.coolingOffSeconds)} of cooling-off in which any approver may veto` : ''}`,
  ];
  if (a === null) return lines;
  if (a.state.status === 'pending')
    lines.push(`**By** ${readableTime(a.expiresAt)}; undecided by then, it expires and nothing is written`);
  if (a.excluded.length > 0)
    lines.push(`**May not approve** ${a.excluded.map((e) => `${e.principal} (${e.why})`).join('; ')}`);
  const given = a.state.approvals.map(
    (g) => `- approved by ${g.principal}${channelName(g.channel)}: ${g.reason}`,
  );
  if (a.state.rejection !== undefined)
    given.push(
      `- rejected by ${a.state.rejection.principal}${channelName(a.state.rejection.channel)}: ${a.state.rejection.reason}`,
    );
  lines.push(
    `**Approvals** ${a.state.approvals.length} of ${a.required} (${a.state.status})${given.length === 0 ? '' : ':'}`,
    ...given,
  );
  if (view.coolingOffUntil !== null)
    lines.push(`**Cooling-off** until ${readableTime(view.coolingOffUntil)}; any approver may veto`);
  return lines;
}

function channelName(channel: string): string {
  return channel === 'signed' ? ' (signed)' : channel === 'ui' ? ' (Temporal UI)' : '';
}

/** The exact ways to decide from where the approver is: the CLI (signed) and this page's signal. */
function howToDecide(view: ChangeView): string[] {
  const a = view.approval;
  const open =
    (view.state === 'awaiting_approval' && a?.state.status === 'pending') || view.state === 'cooling_off';
  if (a === null || !open) return [];
  const id = view.recommendation.id;
  const short = a.planHash.slice(0, 16);
  const verb = view.state === 'cooling_off' ? 'reject' : 'approve';
  const uiCounts = view.decision?.channels?.includes('ui') === true;
  const lines = [
    view.state === 'cooling_off' ? '**To veto**' : '**To decide**',
    `- signed, from a terminal: \`countersign ${verb} ${id} --plan-hash ${short} --key <your key file> --reason "<why>"\`${verb === 'approve' ? ' (or `reject`)' : ''}`,
  ];
  if (verb === 'approve' && uiCounts)
    lines.push(
      '- on this page: More Actions → Send a Signal, name `approve` (or `reject`), with this input; it counts for this change:',
    );
  else if (verb === 'approve')
    lines.push(
      '- on this page: More Actions → Send a Signal, name `reject`, with this input; an approval sent here does not count for this change (it needs a signed one):',
    );
  else lines.push('- on this page: More Actions → Send a Signal, name `reject`, with this input:');
  // Short lines: the UI shows the card in half the page's width, and a JSON string cannot wrap.
  lines.push(
    '```json',
    '{"principal": "<you@example.com>",',
    ' "reason": "<why>",',
    ' "planHash":',
    `  "${a.planHash}"}`,
    '```',
  );
  return lines;
}

function proposal(view: ChangeView): string[] {
  const rec = view.recommendation;
  const s = rec.source;
  return [
    `**Proposed by** ${s.agent} (${s.model} ${s.modelVersion}, prompt ${s.promptTemplate}@${s.promptTemplateVersion})${s.onBehalfOf === undefined ? '' : ` on behalf of ${s.onBehalfOf}`}, confidence ${rec.confidence.toFixed(2)}${rec.incidentId === undefined ? '' : `, incident ${rec.incidentId}`}`,
    `**Its rationale** ${rec.rationale}`,
  ];
}

function governorLines(view: ChangeView): string[] {
  const governor = view.governor;
  if (governor === undefined) return [];
  const lines: string[] = [];
  if (governor.hold !== null) {
    const h = governor.hold;
    lines.push(
      `**Held by the governor** ${h.message}${h.resetsAt === undefined || h.resetsAt === null ? '' : `; frees at ${readableTime(h.resetsAt)}`}`,
      ...h.whatToDo.map((step) => `- ${step}`),
    );
  }
  if (governor.rerouted !== null) {
    const r = governor.rerouted;
    lines.push(
      `**Proposal-only** (it would have run automatically): ${r.message}`,
      ...r.whatToDo.map((step) => `- ${step}`),
    );
  }
  if (governor.flags.length > 0)
    lines.push(`**Flagged** ${governor.flags.map((f) => `${f.kind}: ${f.message}`).join('; ')}`);
  return lines;
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
  return lines;
}

/** What an auditor matches against the evidence. */
function record(view: ChangeView): string[] {
  const parts = [
    ...(view.plan === null ? [] : [`plan ${view.plan.hash.slice(0, 16)}`]),
    ...(view.decision === null ? [] : [`policy ${view.decision.policyVersion}`]),
    `evidence ${view.evidenceLength} entries, head ${view.evidenceHead.slice(0, 12)}`,
  ];
  const outcome =
    view.outcome === null ? [] : [`**Outcome** \`${view.outcome.code}\`: ${view.outcome.message}`];
  return [...outcome, parts.join(' · ')];
}
