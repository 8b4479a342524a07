import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { CountersignClient } from '../src/client/countersign-client';
import { exampleRecommendation } from '../src/examples';
import type { RRset } from '../src/plan/plan';
import type { RoleCount } from '../src/policy/decision';
import type { Recommendation } from '../src/schema/recommendation';
import { stateKey } from '../src/search-attributes';
import type { ApproverSet } from '../workers/stack/approver-set';
import type { PdnsApi } from './pdns-zones';
import { createCountedZone } from './pdns-zones';

/**
 * The changes the scenarios submit, one route each under the shipped policy: `auto` (staging, high
 * confidence: tier 1), `tier2` (a production A record: one SRE) and `tier3` (the production apex
 * MX: an SRE and a service owner, then cooling-off). Each change gets a zone of its own, so the
 * zone's SOA serial counts exactly that change's writes.
 */
export type ChangeKind = 'auto' | 'tier2' | 'tier3';

/** Who signs for each kind. dave holds only service-owner, so each seat has one obvious filler. */
export const approversFor: Record<ChangeKind, readonly string[]> = {
  auto: [],
  tier2: ['alice@example.com'],
  tier3: ['alice@example.com', 'dave@example.com'],
};

/** The seats the shipped policy asks for, stated here independently of the workflow's own decision. */
export const seatsFor: Record<ChangeKind, readonly RoleCount[]> = {
  auto: [],
  tier2: [{ role: 'sre', count: 1 }],
  tier3: [
    { role: 'sre', count: 1 },
    { role: 'service-owner', count: 1 },
  ],
};

export interface TrackedChange {
  readonly kind: ChangeKind;
  readonly id: string;
  readonly workflowId: string;
  /** The zone whose serial counts this change's writes; null when it shares a zone and is never executed. */
  readonly zone: string | null;
  readonly recommendation: Recommendation;
  /** SOA serial right after the zone was created. */
  serialBefore: number;
}

function initialRrsets(zone: string): RRset[] {
  return [
    { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.10'] },
    { name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.20'] },
    { name: zone, type: 'MX', ttl: 3600, records: [`10 mx1.${zone}`] },
    { name: `mx1.${zone}`, type: 'A', ttl: 3600, records: ['192.0.2.25'] },
  ];
}

function recommendationFor(kind: ChangeKind, id: string, zone: string): Recommendation {
  switch (kind) {
    case 'auto':
      return exampleRecommendation({
        id,
        zone,
        environment: 'staging',
        confidence: 0.97,
        change: {
          kind: 'dns.upsert_rrset',
          name: `www.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.11'],
        },
      });
    case 'tier2':
      return exampleRecommendation({
        id,
        zone,
        environment: 'production',
        change: {
          kind: 'dns.upsert_rrset',
          name: `api.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.21'],
        },
      });
    case 'tier3':
      return exampleRecommendation({
        id,
        zone,
        environment: 'production',
        change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`10 mx2.${zone}`] },
      });
  }
}

/** Creates the change's own zone (serial recorded) and its recommendation; nothing is submitted yet. */
export async function prepareChange(
  pdns: PdnsApi,
  run: string,
  label: string,
  kind: ChangeKind,
  index: number,
): Promise<TrackedChange> {
  const short = { auto: 'a', tier2: 't2', tier3: 't3' }[kind];
  const zone = `${short}-${index}.${label}.${run}.chaos.test.`;
  const serialBefore = await createCountedZone(pdns, zone, initialRrsets(zone));
  const id = `chaos-${run}-${label}-${short}-${index}`;
  return {
    kind,
    id,
    workflowId: `change-${id}`,
    zone,
    recommendation: recommendationFor(kind, id, zone),
    serialBefore,
  };
}

/**
 * The change's zone as it was created, on another server: a secondary that never receives the
 * change, so verifying against both fails (the rollback's verification passes).
 */
export async function mirrorZone(api: PdnsApi, change: TrackedChange): Promise<void> {
  if (change.zone === null) throw new Error(`${change.workflowId} has no zone of its own to mirror`);
  await createCountedZone(api, change.zone, initialRrsets(change.zone));
}

/** A tier 2 change into a shared zone: for parking only (it is never approved, so never written). */
export function parkedOnlyChange(run: string, label: string, zone: string, index: number): TrackedChange {
  const id = `chaos-${run}-${label}-p-${index}`;
  return {
    kind: 'tier2',
    id,
    workflowId: `change-${id}`,
    zone: null,
    recommendation: exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: `h${index}.${zone}`,
        type: 'A',
        ttl: 300,
        records: [`198.51.100.${(index % 250) + 1}`],
      },
    }),
    serialBefore: 0,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.split('\n')[0]!.slice(0, 300) : String(err);
}

/**
 * Execution status and recorded state from `describe`, which the server answers without a worker:
 * the harness must see where a change is while the worker is dead.
 */
export async function describeChange(
  cs: CountersignClient,
  id: string,
): Promise<{ status: string; state: string | undefined; historyLength: number }> {
  const d = await cs.handle(id).describe();
  return {
    status: d.status.name,
    state: d.typedSearchAttributes.get(stateKey),
    historyLength: d.historyLength,
  };
}

const beforeDecision = new Set(['validating', 'classifying', 'staging', 'checking', 'awaiting_approval']);

/** Whether the change's evidence holds a counted approval from each of `principals`. */
async function allCounted(
  cs: CountersignClient,
  id: string,
  principals: readonly string[],
): Promise<boolean> {
  const { entries } = await cs.evidence(id);
  return principals.every((p) => entries.some((e) => e.step === 'approve_counted' && e.actor === p));
}

/**
 * Approves the pending plan of `change` with signed decisions from the kind's approvers, retrying
 * through dead workers and restarted servers until `deadline()`. The request id of each decision is
 * fixed per principal and plan, so a resend after a timeout returns the first verdict instead of
 * counting twice. Returns null when every seat counted, otherwise why not.
 */
export async function approveSigned(
  cs: CountersignClient,
  approvers: ApproverSet,
  change: TrackedChange,
  deadline: () => number,
): Promise<string | null> {
  const principals = approversFor[change.kind];
  const counted = new Set<string>();
  let last = 'never saw awaiting_approval';
  while (Date.now() < deadline()) {
    try {
      const now = await describeChange(cs, change.id);
      if (now.status !== 'RUNNING' || !beforeDecision.has(now.state ?? '')) {
        // Past the approvals: a decision whose answer a kill swallowed may still have counted.
        if (await allCounted(cs, change.id, principals)) return null;
        if (now.status !== 'RUNNING')
          return `closed (${now.status}, ${now.state}) before every approval counted`;
        await sleep(250);
        continue;
      }
      if (now.state !== 'awaiting_approval') {
        await sleep(250);
        continue;
      }
      // The plan hash comes from the live query, which needs a worker: it fails while none runs.
      const view = await cs.status(change.id);
      const planHash = view.approval?.planHash;
      if (view.state !== 'awaiting_approval' || planHash === undefined) {
        await sleep(250);
        continue;
      }
      let restart = false;
      for (const principal of principals) {
        if (counted.has(`${planHash}:${principal}`)) continue;
        const key = approvers.keys[principal];
        if (key === undefined) return `no key for ${principal}`;
        const { verdict } = await cs.decide(change.id, {
          key,
          decision: 'approve',
          reason: 'chaos harness: reviewed plan',
          planHash,
          requestId: `chaos:${change.id}:${principal}:${planHash.slice(0, 16)}`,
        });
        if (verdict.counted || verdict.code === 'duplicate_principal') {
          counted.add(`${planHash}:${principal}`);
          continue;
        }
        last = `${principal} refused: ${verdict.code} ${verdict.message}`;
        // The plan moved on (re-staged) or the request closed meanwhile: look again.
        if (verdict.code === 'plan_hash_mismatch' || verdict.code === 'request_closed') {
          restart = true;
          break;
        }
        return last;
      }
      if (!restart && principals.every((p) => counted.has(`${planHash}:${p}`))) return null;
    } catch (err) {
      last = errorText(err);
      await sleep(500);
    }
  }
  return `not approved in time (${last})`;
}

/** Ids among `workflowIds` still running on `taskQueue`, from visibility (no worker needed). */
export async function stillRunning(
  client: Client,
  taskQueue: string,
  workflowIds: ReadonlySet<string>,
): Promise<Set<string>> {
  const running = new Set<string>();
  for await (const wf of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    if (workflowIds.has(wf.workflowId)) running.add(wf.workflowId);
  }
  return running;
}

/**
 * Waits until none of `changes` runs any more, or `timeoutMs` passes. Visibility can trail the
 * executions by a moment, so the last word comes from `describe` of whatever still looks running.
 */
export async function waitAllClosed(
  client: Client,
  cs: CountersignClient,
  taskQueue: string,
  changes: readonly TrackedChange[],
  timeoutMs: number,
): Promise<void> {
  const ids = new Set(changes.map((c) => c.workflowId));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = await stillRunning(client, taskQueue, ids).catch(() => ids);
    // Visibility may not list a workflow started a moment ago: "none running" is checked with
    // `describe`, which reads the execution itself.
    if (running.size === 0 && (await noneRunning(cs, changes))) return;
    if (running.size > 0 && running.size <= 20) {
      const statuses = await Promise.all(
        [...running].map((id) =>
          describeChange(cs, id)
            .then((d) => d.status)
            .catch(() => 'RUNNING'),
        ),
      );
      if (statuses.every((s) => s !== 'RUNNING')) return;
    }
    await sleep(1000);
  }
}

async function noneRunning(cs: CountersignClient, changes: readonly TrackedChange[]): Promise<boolean> {
  let running = 0;
  await forEachLimited(changes, 8, async (change) => {
    const status = await describeChange(cs, change.id)
      .then((d) => d.status)
      // Never started (its submission failed): nothing to wait for. Unreadable: maybe running.
      .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? 'NOT_STARTED' : 'RUNNING'));
    if (status === 'RUNNING') running += 1;
  });
  return running === 0;
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next;
        next += 1;
        await task(items[i] as T, i);
      }
    }),
  );
}
