import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { PowerDnsClient } from '../activities/powerdns/client';
import type { SignedDecision } from '../src/approvals/signed-decision';
import { signingText } from '../src/approvals/signed-decision';
import type { CountersignClient } from '../src/client/countersign-client';
import type { ChangeResult } from '../src/change/view';
import type { EvidenceEntry } from '../src/evidence/chain';
import { verifyChain } from '../src/evidence/chain';
import { rrsetEquals } from '../src/plan/plan';
import type { RoleCount } from '../src/policy/decision';
import type { ApproverSet } from '../workers/stack/approver-set';
import { samplePeople } from '../workers/stack/approver-set';
import type { TrackedChange } from './changes';
import { errorText, forEachLimited, seatsFor } from './changes';
import type { PdnsApi } from './pdns-zones';
import { soaSerial } from './pdns-zones';

type History = temporal.api.history.v1.IHistory;

export interface Finding {
  readonly workflowId: string;
  readonly detail: string;
}

/** What the harness found about a set of changes that were all meant to end `executed`. */
export interface Audit {
  audited: number;
  executed: number;
  /** Still running (not in a final state) after the bounded wait. */
  lost: Finding[];
  /** Closed, but not `executed` (or executed to the wrong live state). */
  notExecuted: Finding[];
  /**
   * Evidence saying a write was someone else's (`already_applied`, "written by someone else", "not
   * written by this change"): nobody but the change itself writes a chaos zone, so it is false.
   */
  falseEvidence: Finding[];
  /** Changes that failed verification and closed without rolling back their own write. */
  skippedRollbacks: Finding[];
  /** Writes beyond one per executed change (two per rolled-back one), counted from SOA serials. */
  duplicateWrites: number;
  duplicateFindings: Finding[];
  /** Executions whose evidence and history do not carry the signed approvals of the executed plan. */
  unapproved: Finding[];
  /** Evidence that does not verify, or a bundle that differs from the workflow result. */
  brokenChains: Finding[];
  bundlesMissing: Finding[];
  /** WorkflowTaskFailed events (nondeterminism, a throwing handler, a bug). */
  taskFailures: number;
  taskFailureFindings: Finding[];
  /** Attempts cut short by a kill: harmless by design, reported to show what the kills hit. */
  workflowTaskTimeouts: number;
  /** Activities that needed more than one attempt, and those whose previous attempt timed out. */
  activityRetries: number;
  activityTimeouts: number;
  executeTimeouts: number;
  /** Execute activities (the PowerDNS write, or a rollback's) that needed more than one attempt, for any reason. */
  executeRetries: number;
  /** How long each task cut by a kill left its change waiting: scheduled → picked up again. */
  stallsMs: number[];
}

export function emptyAudit(): Audit {
  return {
    audited: 0,
    executed: 0,
    lost: [],
    notExecuted: [],
    falseEvidence: [],
    skippedRollbacks: [],
    duplicateWrites: 0,
    duplicateFindings: [],
    unapproved: [],
    brokenChains: [],
    bundlesMissing: [],
    taskFailures: 0,
    taskFailureFindings: [],
    workflowTaskTimeouts: 0,
    activityRetries: 0,
    activityTimeouts: 0,
    executeTimeouts: 0,
    executeRetries: 0,
    stallsMs: [],
  };
}

export interface AuditContext {
  readonly cs: CountersignClient;
  readonly pdns: PdnsApi;
  readonly approvers: ApproverSet;
  readonly evidenceDir: string;
  /**
   * How every change must end: `executed` (the default), or `rolled_back` where verification was
   * made to fail (then live state must be the plan's `before` again).
   */
  readonly expectedState?: 'executed' | 'rolled_back';
}

/** Audits each change against Temporal, PowerDNS and the exported bundles; every change must end `ctx.expectedState`. */
export async function auditChanges(ctx: AuditContext, changes: readonly TrackedChange[]): Promise<Audit> {
  const audit = emptyAudit();
  const reader = new PowerDnsClient(ctx.pdns);
  await forEachLimited(changes, 6, async (change) => {
    audit.audited += 1;
    try {
      await auditOne(ctx, reader, change, audit);
    } catch (err) {
      // A change the harness cannot even read back counts against the product until shown otherwise.
      audit.lost.push({ workflowId: change.workflowId, detail: `could not be audited: ${errorText(err)}` });
    }
  });
  return audit;
}

async function auditOne(
  ctx: AuditContext,
  reader: PowerDnsClient,
  change: TrackedChange,
  audit: Audit,
): Promise<void> {
  const handle = ctx.cs.handle(change.id);
  const history = await handle.fetchHistory();
  countHistoryTrouble(change.workflowId, history, audit);

  const status = (await handle.describe()).status.name;
  if (status === 'RUNNING') {
    const state = await ctx.cs
      .status(change.id)
      .then((v) => v.state)
      .catch(() => 'unreadable');
    audit.lost.push({
      workflowId: change.workflowId,
      detail: `still running (${state}) after the bounded wait`,
    });
    return;
  }
  // Failed, terminated or timed out: no result of its own, so only its writes and history can tell.
  const result: ChangeResult | undefined = status === 'COMPLETED' ? await handle.result() : undefined;
  const state = result?.view.state ?? `execution ${status.toLowerCase()}`;
  const expectedState = ctx.expectedState ?? 'executed';
  const wrong: string[] = [];
  if (result === undefined) wrong.push(state);
  else if (result.view.state !== expectedState)
    wrong.push(
      `ended ${state}: ${result.view.outcome?.code ?? ''} ${result.view.outcome?.message ?? ''}`.trim(),
    );

  // Writes, from PowerDNS itself: the SOA serial of the change's own zone (see pdns-zones.ts). An
  // executed change wrote exactly once: its plan is never a no-op, and execute writes only while
  // live state still equals `before`, so a retry after a kill finds `after` and writes nothing. A
  // serial further on means a second PATCH. Without a result the expectation is unknown; a write
  // and its rollback (2) is the most that could be legitimate.
  if (change.zone !== null) {
    const writes = (await soaSerial(ctx.pdns, change.zone)) - change.serialBefore;
    const expected = state === 'executed' ? 1 : state === 'rolled_back' ? 2 : result === undefined ? 2 : 0;
    if (writes > expected) {
      audit.duplicateWrites += writes - expected;
      audit.duplicateFindings.push({
        workflowId: change.workflowId,
        detail: `${writes} writes to ${change.zone} (SOA serial ${change.serialBefore} → ${change.serialBefore + writes}) for a change that ended ${state}`,
      });
    } else if (writes < expected && result !== undefined) {
      wrong.push(`ended ${state} but PowerDNS saw ${writes} write(s) to ${change.zone}`);
    }
  }
  if (result === undefined) {
    audit.notExecuted.push({ workflowId: change.workflowId, detail: wrong.join('; ') });
    return;
  }

  checkChain(ctx, change, result, audit);
  checkAuthorship(change, result, audit);
  const plan = result.view.plan;
  if (state === 'executed' || state === 'rolled_back') {
    if (state === 'executed') audit.executed += 1;
    const live = plan === null ? null : await reader.getRrset(plan.zone, plan.name, plan.type);
    const wanted = state === 'executed' ? plan?.after : plan?.before;
    if (plan === null || wanted === undefined || !rrsetEquals(live, wanted))
      wrong.push(
        `${state}, but PowerDNS serves ${live === null ? 'nothing' : live.records.join(' | ')} for the plan's RRset`,
      );
  }
  if (wrong.length > 0) audit.notExecuted.push({ workflowId: change.workflowId, detail: wrong.join('; ') });

  const problem = approvalProblem(ctx.approvers, change, result, history);
  if (problem !== null) audit.unapproved.push({ workflowId: change.workflowId, detail: problem });
}

const someoneElses = /written by someone else|not written by this change/;

/**
 * What a change's evidence says about who wrote, judged against the fact that only the change
 * writes its zone: entries naming someone else are false, and a failed verification of its own
 * write that closed without a rollback skipped one.
 */
export function authorshipProblems(result: ChangeResult): {
  falseEvidence: string[];
  skippedRollback: string | null;
} {
  const falseEvidence = result.evidence
    .filter((e) => /^(execute|rollback)_already_applied$/.test(e.step) || someoneElses.test(e.summary))
    .map((e) => `${e.step}: ${e.summary}`);
  const outcome = result.view.outcome;
  const skippedRollback =
    outcome?.code === 'verification_failed' && result.view.state !== 'rolled_back'
      ? `closed ${result.view.state} without rolling back: ${outcome.message}`
      : null;
  return { falseEvidence, skippedRollback };
}

function checkAuthorship(change: TrackedChange, result: ChangeResult, audit: Audit): void {
  const { falseEvidence, skippedRollback } = authorshipProblems(result);
  for (const detail of falseEvidence) audit.falseEvidence.push({ workflowId: change.workflowId, detail });
  if (skippedRollback !== null)
    audit.skippedRollbacks.push({ workflowId: change.workflowId, detail: skippedRollback });
}

function checkChain(ctx: AuditContext, change: TrackedChange, result: ChangeResult, audit: Audit): void {
  const { view, evidence } = result;
  const check = verifyChain(evidence);
  if (!check.ok) {
    audit.brokenChains.push({
      workflowId: change.workflowId,
      detail: `result evidence: seq ${check.seq}: ${check.problem}`,
    });
    return;
  }
  if (check.head !== view.evidenceHead || check.length !== view.evidenceLength)
    audit.brokenChains.push({
      workflowId: change.workflowId,
      detail: `the result's view names head ${view.evidenceHead.slice(0, 12)}/${view.evidenceLength}, its evidence ends ${check.head.slice(0, 12)}/${check.length}`,
    });
  const file = path.join(ctx.evidenceDir, `${change.workflowId}.json`);
  if (!existsSync(file)) {
    audit.bundlesMissing.push({ workflowId: change.workflowId, detail: `no bundle at ${file}` });
    return;
  }
  let bundle: ChangeResult;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8')) as ChangeResult;
  } catch (err) {
    audit.brokenChains.push({
      workflowId: change.workflowId,
      detail: `bundle unreadable: ${errorText(err)}`,
    });
    return;
  }
  const exported = verifyChain(bundle.evidence);
  if (!exported.ok)
    audit.brokenChains.push({
      workflowId: change.workflowId,
      detail: `bundle: seq ${exported.seq}: ${exported.problem}`,
    });
  else if (exported.head !== check.head || exported.length !== check.length)
    audit.brokenChains.push({
      workflowId: change.workflowId,
      detail: `bundle ends ${exported.head.slice(0, 12)}/${exported.length}, the workflow result ${check.head.slice(0, 12)}/${check.length}`,
    });
}

function millis(e: temporal.api.history.v1.IHistoryEvent): number {
  const t = e.eventTime;
  return t === null || t === undefined ? 0 : Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/**
 * Failed workflow tasks are counted as losses. Timed-out workflow tasks (the killed worker's sticky
 * queue) and activity attempts retried after a timeout (the attempt died with its worker; Temporal
 * writes only the last attempt, with its number and the previous failure) are what the kills hit:
 * counted, and how long each left its change stalled.
 */
function countHistoryTrouble(workflowId: string, history: History, audit: Audit): void {
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  let taskScheduledAt = 0;
  let stalledSince: number | null = null;
  for (const e of events) {
    const at = millis(e);
    if (e.workflowTaskScheduledEventAttributes && stalledSince === null) taskScheduledAt = at;
    if (e.workflowTaskTimedOutEventAttributes) {
      audit.workflowTaskTimeouts += 1;
      stalledSince ??= taskScheduledAt;
    }
    if (e.workflowTaskStartedEventAttributes && stalledSince !== null) {
      audit.stallsMs.push(at - stalledSince);
      stalledSince = null;
    }
    const failed = e.workflowTaskFailedEventAttributes;
    if (failed) {
      audit.taskFailures += 1;
      audit.taskFailureFindings.push({
        workflowId,
        detail:
          `event ${String(e.eventId)}: workflow task failed, cause ${String(failed.cause)}: ${failed.failure?.message ?? ''}`.slice(
            0,
            400,
          ),
      });
    }
    const activity = e.activityTaskScheduledEventAttributes;
    if (activity) scheduled.set(String(e.eventId), { type: activity.activityType?.name ?? '', at });
    const started = e.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const origin = scheduled.get(String(started.scheduledEventId));
      const afterTimeout = started.lastFailure?.timeoutFailureInfo != null;
      audit.activityRetries += 1;
      if (origin?.type === 'execute') audit.executeRetries += 1;
      if (afterTimeout) {
        audit.activityTimeouts += 1;
        if (origin !== undefined) audit.stallsMs.push(at - origin.at);
        if (origin?.type === 'execute') audit.executeTimeouts += 1;
      }
    }
  }
}

/** The signed decisions the change accepted as `decide` updates, from its history. */
function signedDecisionsIn(history: History): SignedDecision[] {
  const out: SignedDecision[] = [];
  for (const e of history.events ?? []) {
    const request = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (request?.input?.name !== 'decide') continue;
    for (const payload of request.input.args?.payloads ?? []) {
      try {
        const value = JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')) as unknown;
        if (typeof value === 'object' && value !== null && 'payload' in value && 'signature' in value)
          out.push(value as SignedDecision);
      } catch {
        // Not JSON: not a signed decision this harness sent.
      }
    }
  }
  return out;
}

/**
 * Why an executed change was not properly authorised, or null. Judged from what the harness knows
 * on its own: the seats the shipped policy asks for this kind of change (and any more the recorded
 * decision asked for), the people's roles, and their public keys. An execution counts as approved
 * only if, since the last voiding of approvals, distinct people filling every seat each have an
 * `approve_counted` entry for the executed plan hash, each backed by a decide update in the history
 * whose ed25519 signature verifies with that person's key over this workflow and this plan hash;
 * for tier 3, a cooling-off entry must lie between the last approval and the write.
 */
export function approvalProblem(
  approvers: ApproverSet,
  change: TrackedChange,
  result: ChangeResult,
  history: History,
): string | null {
  const evidence = result.evidence;
  const executedAt = evidence.findIndex(
    (e) => e.step === 'execute_applied' || e.step === 'execute_already_applied',
  );
  if (executedAt < 0) return null;
  const executedHash = (evidence[executedAt]?.data as { planHash?: string } | undefined)?.planHash ?? '';
  const decided = result.view.decision;
  const seats: RoleCount[] = [...seatsFor[change.kind]];
  if (decided?.route === 'approval')
    for (const r of decided.approvals.roles)
      if (!seats.some((s) => s.role === r.role && s.count >= r.count)) seats.push(r);
  const needed = Math.max(
    seats.reduce((n, s) => n + s.count, 0),
    decided?.route === 'approval' ? decided.approvals.count : 0,
  );
  if (needed === 0)
    return decided?.route === 'auto' ? null : `executed under route ${decided?.route ?? 'unknown'}`;

  let start = 0;
  for (let i = 0; i < executedAt; i += 1) if (evidence[i]?.step === 'approvals_void') start = i + 1;
  const window = evidence.slice(start, executedAt);
  if (!window.some((e) => e.step === 'approval_requested' && dataOf(e).planHash === executedHash))
    return `no approval request for the executed plan ${executedHash.slice(0, 16)}`;
  if (window.some((e) => e.step === 'reject_counted')) return 'executed after a counted rejection';

  const signed = signedDecisionsIn(history);
  const principals = new Map<string, number>();
  for (const [offset, entry] of window.entries()) {
    if (entry.step !== 'approve_counted' || dataOf(entry).planHash !== executedHash) continue;
    const data = dataOf(entry);
    if (data.channel !== 'signed')
      return `approval by ${entry.actor} counted from channel ${String(data.channel)}`;
    const backing = signed.find(
      (s) =>
        createHash('sha256').update(Buffer.from(s.signature, 'base64')).digest('hex') ===
        data.signatureDigest,
    );
    if (backing === undefined) return `approval by ${entry.actor} has no signed decision in the history`;
    const why = signatureProblem(approvers, backing, result.view.workflowId, executedHash, entry.actor);
    if (why !== null) return `approval by ${entry.actor}: ${why}`;
    principals.set(entry.actor, start + offset);
  }
  if (principals.size < needed)
    return `${principals.size} of ${needed} approvals for plan ${executedHash.slice(0, 16)}`;
  const roles = [...principals.keys()].map(
    (p) => samplePeople.find((person) => person.id === p)?.roles ?? [],
  );
  if (!seatsCovered(seats, roles))
    return `approvers ${[...principals.keys()].join(', ')} do not fill ${seats.map((s) => `${s.count} ${s.role}`).join(' + ')}`;
  if (change.kind === 'tier3') {
    const lastApproval = Math.max(...principals.values());
    if (!evidence.slice(lastApproval, executedAt).some((e) => e.step === 'cooling_off'))
      return 'executed without a cooling-off after the last approval';
  }
  return null;
}

function dataOf(entry: EvidenceEntry): Record<string, unknown> {
  return typeof entry.data === 'object' && entry.data !== null ? (entry.data as Record<string, unknown>) : {};
}

function signatureProblem(
  approvers: ApproverSet,
  signed: SignedDecision,
  workflowId: string,
  planHash: string,
  principal: string,
): string | null {
  const p = signed.payload;
  if (p.principal !== principal) return `signed by ${p.principal}`;
  if (p.decision !== 'approve') return `signed a ${p.decision}`;
  if (p.workflowId !== workflowId) return `signed for ${p.workflowId}`;
  if (p.planHash !== planHash)
    return `signed plan ${p.planHash.slice(0, 16)}, executed ${planHash.slice(0, 16)}`;
  const key = approvers.keys[principal];
  if (key === undefined) return 'not one of the sample approvers';
  const publicKey = createPublicKey(key.privateKeyPem);
  return verify(null, Buffer.from(signingText(p), 'utf8'), publicKey, Buffer.from(signed.signature, 'base64'))
    ? null
    : 'the signature does not verify with their key';
}

/** Whether distinct approvers with `roles` can fill every seat (few seats: exhaustive search). */
function seatsCovered(seats: readonly RoleCount[], roles: readonly (readonly string[])[]): boolean {
  const flat = seats.flatMap((s) => Array.from({ length: s.count }, () => s.role));
  const used = new Array<boolean>(roles.length).fill(false);
  const place = (i: number): boolean => {
    if (i === flat.length) return true;
    for (let a = 0; a < roles.length; a += 1) {
      if (used[a] === true || !(roles[a] ?? []).includes(flat[i] as string)) continue;
      used[a] = true;
      if (place(i + 1)) return true;
      used[a] = false;
    }
    return false;
  };
  return place(0);
}

/** Workflow task failures in the histories of changes that are not otherwise audited (still parked). */
export async function countTaskFailures(
  cs: CountersignClient,
  changes: readonly TrackedChange[],
): Promise<Finding[]> {
  const out: Finding[] = [];
  await forEachLimited(changes, 8, async (change) => {
    const audit = emptyAudit();
    try {
      countHistoryTrouble(change.workflowId, await cs.handle(change.id).fetchHistory(), audit);
      out.push(...audit.taskFailureFindings);
    } catch (err) {
      out.push({ workflowId: change.workflowId, detail: `history unreadable: ${errorText(err)}` });
    }
  });
  return out;
}
