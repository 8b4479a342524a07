import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { FailureType } from '../src/failures';
import { formatIssues } from '../src/issues';
import type { Plan, RRset } from '../src/plan/plan';
import { rrsetEquals } from '../src/plan/plan';
import { authorOfFoundAfter } from '../src/plan/authorship';
import { computePlan, kindOf, kindOfPlan, subjectOf } from '../src/kinds/kinds';
import type { Decision } from '../src/policy/decision';
import { evaluatePolicy } from '../src/policy/evaluate';
import { factsOf } from '../src/policy/facts';
import type { ActiveException } from '../src/overrides/exception';
import type { Recommendation } from '../src/schema/recommendation';
import { validateRecommendation } from '../src/schema/validate-recommendation';
import type { ChangeResult } from '../src/change/view';
import { createHash } from 'node:crypto';
import type { DnsServer } from './dns/query';
import { queryRrset } from './dns/query';
import { chainBreak, keyTags, unmatchedDs } from './dns/ds-check';
import type { PowerDnsClient } from './powerdns/client';
import { powerDnsZonePort } from './powerdns/zone-port';
import type { ProviderPort, Receipt, VerifyResult } from './ports/provider-port';
import { writeStamp } from './ports/provider-port';
import type { PolicySource } from './policy/policy-store';
import type { Delivery, DeliveryLedger } from './notify/delivery-ledger';
import { markDeliveryUncertain, memoryLedger } from './notify/delivery-ledger';
import { notificationKey } from '../src/notify/notification-key';
import type { EscalationFacts } from '../src/notify/chat-message';
import { chatMessage } from '../src/notify/chat-message';

export interface ChangeActivityDeps {
  readonly powerdns: PowerDnsClient;
  /** Authoritative servers that must all serve the change before it counts as done. */
  readonly verifyServers: readonly DnsServer[];
  /** The domain registry (EPP) registrar kinds go through; unset: registrar changes fail, saying so. */
  readonly registry?: ProviderPort;
  readonly logger: Logger;
  /** The policy in force at each decision (reloaded when its files change). */
  readonly policy: PolicySource;
  /** Notifier webhook for escalations (JSON POST, retried by Temporal); unset: the log only. */
  readonly escalationWebhook?: string;
  /** A chat tool's incoming webhook (Slack-compatible body) for escalations; unset: none. */
  readonly chatWebhook?: string;
  /** Folder for exported evidence bundles; unset: bundles stay in workflow history only. */
  readonly evidenceDir?: string;
  /**
   * What remembers delivered notifications and escalations across retries; unset: memory, which
   * forgets them when the worker dies (the worker opens a folder ledger, see workers/main.ts).
   */
  readonly notificationLedger?: DeliveryLedger;
}

export type StageResult =
  | {
      ok: true;
      plan: Plan;
      /** Records in the zone when staged; absent in histories recorded before policies. */ zoneRecords?: number;
    }
  | { ok: false; code: string; message: string };

/** What `execute` found and did. `stale`: live state was neither `before` nor `after`; nothing written. */
export type ExecuteResult =
  | {
      /** `applied`: this change wrote it; `already_applied`: it was there, written by someone else. */
      readonly outcome: 'applied' | 'already_applied';
      readonly live: RRset | null;
      /** The provider's transactions (EPP client and server ids); absent for providers without them. */
      readonly receipts?: readonly Receipt[];
      /**
       * Applied by an earlier attempt whose answer was lost, and how that is known: the write's own
       * stamp on the data, or (a provider keeping no author) that an earlier attempt ran.
       */
      readonly acknowledgementLost?: 'stamp' | 'earlier_attempt';
    }
  | { readonly outcome: 'stale'; readonly live: RRset | null };

/**
 * What an escalation tells the people who can decide (the log and the webhooks get it): the facts
 * the chat message renders, with the kinds the workflows send.
 */
export interface EscalationPayload extends EscalationFacts {
  /** What needs a human: a request just opened, a pending approval (absent in older histories), an unverifiable write. */
  readonly kind?: 'request' | 'approval' | 'verification' | 'provider' | 'governor' | 'lock';
}

export type { VerifyResult };

/**
 * Every I/O step of the change workflow. Each is idempotent: a retry after a crash re-reads and
 * converges instead of acting twice.
 */
/**
 * Added DS records must match a DNSKEY the child zone publishes (asked of the authoritative
 * servers): a DS that matches no key breaks the signed delegation. Null when it does, or when the
 * plan adds no DS; otherwise what is wrong.
 */
async function dsMismatchFor(deps: ChangeActivityDeps, plan: Plan): Promise<string | null> {
  if (plan.type !== 'DS' || plan.after === null) return null;
  const added = plan.after.records.filter((r) => !(plan.before?.records ?? []).includes(r));
  if (added.length === 0) return null;
  const server = deps.verifyServers[0];
  if (server === undefined)
    return "no authoritative server is configured to read the child zone's DNSKEY from";
  let keys: RRset | null = null;
  try {
    keys = (await queryRrset(server, plan.name, 'DNSKEY')).rrset;
  } catch (err) {
    return `the DNSKEY of ${plan.name} could not be read from ${server.host}:${server.port} (${(err as Error).message}); a DS is only added when it matches a published key`;
  }
  const unmatched = unmatchedDs(plan.name, added, keys);
  if (unmatched.length === 0) return null;
  const tags = keyTags(keys);
  return `DS ${unmatched.join(', ')} matches no DNSKEY ${plan.name} publishes (${tags.length === 0 ? 'it publishes none' : `key tags ${tags.join(', ')}`}); adding it would make the delegation bogus for validating resolvers`;
}

/**
 * For a DNSKEY or DS plan: whether it breaks a chain of trust DNS serves now (the parent's DS of
 * the zone, or the child's DNSKEY). What cannot be read counts as breaking: uncertain fails closed.
 */
async function chainBreakFor(deps: ChangeActivityDeps, plan: Plan): Promise<string | null> {
  if (plan.type !== 'DNSKEY' && plan.type !== 'DS') return null;
  const server = deps.verifyServers[0];
  const other = plan.type === 'DNSKEY' ? 'DS' : 'DNSKEY';
  try {
    if (server === undefined) throw new Error('no authoritative server is configured');
    return chainBreak(plan, (await queryRrset(server, plan.name, other)).rrset);
  } catch (err) {
    return `the ${other} of ${plan.name} could not be read (${(err as Error).message}), so whether this breaks its chain of trust is unknown`;
  }
}

const resentWarning =
  'notification sent again: an earlier attempt stopped after starting to send it (a receiver that keeps idempotency keys drops the second)';

/** One POST of an escalation to a webhook (`what` names it); anything but 2xx fails the attempt. */
async function postEscalation(url: string, key: string, body: object, what: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).catch((err: Error) => {
    const failure = ApplicationFailure.create({
      type: FailureType.NotifierUnavailable,
      message: `${what} unreachable: ${err.message}`,
    });
    // Refused or not found: nothing left this worker. Anything else (a timeout, a reset) may have
    // reached the receiver before it failed.
    const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
    throw code === 'ECONNREFUSED' || code === 'ENOTFOUND' ? failure : markDeliveryUncertain(failure);
  });
  // The body is not read: release the connection now rather than when it is collected.
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok)
    throw ApplicationFailure.create({
      type: FailureType.NotifierUnavailable,
      message: `${what} answered ${response.status}`,
    });
}

export function createChangeActivities(deps: ChangeActivityDeps) {
  const log = () => {
    const info = Context.current().info;
    return deps.logger.child({
      workflowId: info.workflowExecution?.workflowId,
      activity: info.activityType,
      attempt: info.attempt,
    });
  };

  const zonePort = powerDnsZonePort(deps.powerdns, deps.verifyServers);
  const portFor = (port: 'zone' | 'registry'): ProviderPort => {
    if (port === 'zone') return zonePort;
    if (deps.registry !== undefined) return deps.registry;
    throw ApplicationFailure.create({
      type: FailureType.ProviderMisconfigured,
      message:
        'this worker has no domain registry configured (COUNTERSIGN_EPP_HOST and the registrar credentials); registrar changes cannot run here',
      nonRetryable: true,
    });
  };
  const planPort = (plan: Plan) => portFor(kindOfPlan(plan).port);
  const ledger = deps.notificationLedger ?? memoryLedger();
  /** The key of the notification this activity sends: the same on each of its retries. */
  const eventKey = (event: string) => {
    const info = Context.current().info;
    return notificationKey(
      {
        workflowId: info.workflowExecution?.workflowId ?? 'none',
        runId: info.workflowExecution?.runId ?? 'none',
        activityId: info.activityId,
      },
      event,
    );
  };
  /**
   * A ledger that cannot be read or written must not cost the notification: it is sent (at least
   * once beats not at all) and the ledger's trouble is logged.
   */
  /**
   * The log line is the delivery: it must have left the process before the ledger says `sent`
   * (pino writes asynchronously; a kill would lose a line still in its buffer).
   */
  const flushLog = () =>
    new Promise<void>((resolve, reject) =>
      deps.logger.flush((err) => (err === undefined || err === null ? resolve() : reject(err))),
    );
  const reportDelivery = (key: string, delivery: Delivery) => {
    if (delivery === 'resent') log().warn({ idempotencyKey: key }, resentWarning);
    if (delivery === 'already_sent')
      log().info(
        { idempotencyKey: key },
        'notification already delivered by an earlier attempt; not sent again',
      );
  };
  const deliverOnce = async (key: string, send: () => Promise<void>): Promise<Delivery> => {
    // An object, not a variable: the callback moves it on, and the compiler cannot see that.
    const at: { phase: 'before' | 'sending' | 'sent' } = { phase: 'before' };
    try {
      return await ledger.once(key, async () => {
        at.phase = 'sending';
        await send();
        at.phase = 'sent';
      });
    } catch (err) {
      // The send itself failed: the activity's retry policy decides, as for any failed call.
      if (at.phase === 'sending') throw err;
      log().error(
        { idempotencyKey: key, err: (err as Error).message },
        at.phase === 'sent'
          ? 'notification sent, but the ledger could not record it (a retry may send it again)'
          : 'notification ledger unusable; sending without it (a retry may send this again)',
      );
      if (at.phase === 'before') await send();
      return 'sent';
    }
  };
  /** Same for every attempt of this activity in this workflow: the registry sees a retry as one. */
  const transactionIds = () => {
    const info = Context.current().info;
    const workflow = createHash('sha256')
      .update(info.workflowExecution?.workflowId ?? 'none')
      .digest('hex')
      .slice(0, 16);
    return { base: `CS-${workflow}-${info.activityId}`, attempt: info.attempt };
  };

  return {
    /** Validates again on the worker: the caller is never trusted. */
    async validate(input: unknown): Promise<Recommendation> {
      const result = validateRecommendation(input);
      if (!result.ok) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidRecommendation,
          message: `invalid recommendation:\n${formatIssues(result.issues)}`,
          details: [result.issues],
          nonRetryable: true,
        });
      }
      return result.value;
    },

    /** A first decision before live state is read: enough to block early; `check` decides with the plan. */
    async classify(rec: Recommendation): Promise<Decision> {
      const loaded = await deps.policy();
      const { decision } = evaluatePolicy(
        loaded,
        factsOf(loaded.policy, rec, null, { zoneRecords: null, now: new Date() }),
      );
      log().info(
        {
          tier: decision.tier,
          policyVersion: decision.policyVersion,
          rules: decision.reasons.map((r) => r.rule),
        },
        'classified',
      );
      return decision;
    },

    async stage(rec: Recommendation): Promise<StageResult> {
      const read = await portFor(kindOf(rec.change).port).read(rec.target.zone, subjectOf(rec));
      const result = computePlan(rec, { live: read.live, locks: read.locks ?? null });
      if (!result.ok) return { ok: false, code: result.code, message: result.message };
      const mismatch = await dsMismatchFor(deps, result.plan);
      if (mismatch !== null) return { ok: false, code: 'ds_mismatch', message: mismatch };
      const { zoneRecords } = read;
      log().info({ planHash: result.plan.hash, operation: result.plan.operation, zoneRecords }, 'staged');
      return { ok: true, plan: result.plan, ...(zoneRecords === undefined ? {} : { zoneRecords }) };
    },

    /**
     * The decision that counts: the current policy over the recommendation, its staged plan and the
     * zone. Run again just before execution, so a policy edited mid-flight applies when stricter.
     */
    async check(
      rec: Recommendation,
      _classified: Decision,
      plan: Plan,
      zoneRecords?: number,
      exceptions?: readonly ActiveException[],
    ): Promise<Decision> {
      const [loaded, broken] = await Promise.all([deps.policy(), chainBreakFor(deps, plan)]);
      return evaluatePolicy(
        loaded,
        factsOf(loaded.policy, rec, plan, {
          zoneRecords: zoneRecords ?? null,
          now: new Date(),
          chainBreak: broken,
        }),
        exceptions ?? [],
      ).decision;
    },

    /**
     * Compare-and-set: writes `after` only while live still equals `before`. Finding `after` already
     * there (or the kind's write in flight), it writes nothing and says whose it is: a retry's own
     * stamp (or, where the provider keeps none, its earlier attempt) makes it this change's write.
     */
    async execute(plan: Plan): Promise<ExecuteResult> {
      const port = planPort(plan);
      const read = await port.read(plan.zone, { name: plan.name, type: plan.type });
      const { live } = read;
      const transaction = transactionIds();
      if (rrsetEquals(live, plan.after) || kindOfPlan(plan).inFlight?.(plan, live) === true) {
        const author = authorOfFoundAfter({
          attempt: transaction.attempt,
          stamps: read.stamps,
          ownStamp: writeStamp(transaction, plan),
        });
        if (author === 'someone_else') return { outcome: 'already_applied', live };
        log().info(
          { planHash: plan.hash, attempt: transaction.attempt, proof: author },
          'an earlier attempt wrote this; its answer was lost',
        );
        return { outcome: 'applied', live, acknowledgementLost: author };
      }
      // Only a retry can find its own first step done; on a first attempt that state is someone else's.
      const retry = transaction.attempt > 1;
      if (retry && !rrsetEquals(live, plan.before) && kindOfPlan(plan).resumable?.(plan, live) === true) {
        const receipts = await port.write({ ...plan, before: live }, transaction);
        log().info({ planHash: plan.hash, live, receipts }, 'resumed a write found half done');
        return { outcome: 'applied', live: plan.after, ...(receipts.length > 0 ? { receipts } : {}) };
      }
      if (!rrsetEquals(live, plan.before)) {
        log().warn({ planHash: plan.hash, live }, 'live state moved away from the plan; not writing');
        return { outcome: 'stale', live };
      }
      const receipts = await port.write(plan, transaction);
      log().info({ planHash: plan.hash, operation: plan.operation, receipts }, 'applied');
      return { outcome: 'applied', live: plan.after, ...(receipts.length > 0 ? { receipts } : {}) };
    },

    /** Passes when the world outside the provider sees `expected`; otherwise Temporal retries. */
    async verify(plan: Plan, expected: RRset | null): Promise<VerifyResult> {
      return planPort(plan).verify(plan, expected);
    },

    /** Tells the log (once per event, across retries and kills; the key names the event). */
    async notify(event: { kind: string; summary: string; tier: string }): Promise<void> {
      const key = eventKey(event.kind);
      const delivery = await deliverOnce(key, async () => {
        log().info({ notification: { ...event, idempotencyKey: key } }, event.summary);
        await flushLog();
      });
      reportDelivery(key, delivery);
    },

    /**
     * Escalates a waiting request: to the log, the JSON webhook and the chat webhook (each when
     * configured), once per escalation and channel across retries and kills; webhooks get the
     * event's key as `Idempotency-Key`.
     */
    async escalate(payload: EscalationPayload): Promise<void> {
      const key = eventKey(`${payload.kind ?? 'approval'}-escalation-${payload.stage}`);
      // The log and the webhook are two deliveries: a webhook that is down must not keep the log silent.
      const logged = await deliverOnce(`${key} log`, async () => {
        // A request that just opened is news, not trouble: info; one that has waited is a warning.
        if (payload.kind === 'request')
          log().info({ escalation: payload, idempotencyKey: key }, `approval requested: ${payload.what}`);
        else
          log().warn(
            { escalation: payload, idempotencyKey: key },
            `${payload.kind ?? 'approval'} needs a human: ${payload.what}`,
          );
        await flushLog();
      });
      reportDelivery(key, logged);
      const webhook = deps.escalationWebhook;
      if (webhook !== undefined)
        reportDelivery(
          key,
          await deliverOnce(`${key} webhook`, () =>
            postEscalation(webhook, key, { ...payload, idempotencyKey: key }, 'escalation webhook'),
          ),
        );
      const chat = deps.chatWebhook;
      if (chat !== undefined)
        reportDelivery(
          key,
          await deliverOnce(`${key} chat`, () =>
            postEscalation(chat, key, chatMessage(payload, key), 'chat webhook'),
          ),
        );
    },

    /** Writes the closing evidence bundle; rewriting the same bundle is harmless. */
    async exportEvidence(result: ChangeResult): Promise<string | null> {
      if (deps.evidenceDir === undefined) return null;
      await mkdir(deps.evidenceDir, { recursive: true });
      const file = path.join(deps.evidenceDir, `${result.view.workflowId}.json`);
      await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
      return file;
    },
  };
}

export type ChangeActivities = ReturnType<typeof createChangeActivities>;
