import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { recordTypeSpec } from '../../src/dns/record-types';
import type { Subject } from '../../src/kinds/change-kind';
import { aspectState, lockStatuses } from '../../src/kinds/registrar-domain';
import { selfRegistrar } from '../../src/kinds/registrar-transfer';
import { glueParam } from '../../src/kinds/registrar-set-nameservers';
import type { Plan, RRset } from '../../src/plan/plan';
import { rrsetEquals } from '../../src/plan/plan';
import type { DnsServer, RrsetAnswer } from '../dns/query';
import { askAll, requireServed } from '../powerdns/zone-port';
import type { ProviderPort, Receipt, TransactionIds } from '../ports/provider-port';
import type { SecretStore } from '../secrets/secret-store';
import { eppFailure } from './epp-failures';
import type { EppSession } from './epp-session';
import type { DomainChanges, DomainInfo, EppResponse } from './epp-xml';
import * as epp from './epp-xml';

export interface RegistryPortOptions {
  readonly session: EppSession;
  /** This registrar's client id: how "sponsored by us" is recognised. */
  readonly clID: string;
  /** The parent zone's authoritative servers: NS and DS changes must be served there too. */
  readonly parentServers: readonly DnsServer[];
  readonly secrets: SecretStore;
  readonly logger: Logger;
}

/** DS as the DNS side writes it (canonical presentation), so registry and parent answers compare. */
function canonicalDs(record: string): string {
  const parsed = recordTypeSpec('DS').parse(record);
  return parsed.ok ? parsed.content : record;
}

const difference = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));

/** Poll messages one verification takes at most before leaving the rest for the next round. */
const maxPollPerVerify = 20;

/** Each activity attempt's deadline, by its context: taken by this worker's clock when it first asks. */
const deadlines = new WeakMap<Context, number>();

/**
 * When the running activity attempt times out (two seconds early, by this worker's clock, counted
 * from its first command, which comes first thing): commands queued past it are not sent, and
 * waits end before it, so the port always fails inside its activity's time.
 */
function activityDeadline(): number | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    // Not inside an activity (tests, the demo's seeding): no deadline.
    return undefined;
  }
  let deadline = deadlines.get(context);
  if (deadline === undefined) {
    deadline = Date.now() + context.info.startToCloseTimeoutMs - 2000;
    deadlines.set(context, deadline);
  }
  return deadline;
}

/**
 * A domain registry over EPP as a provider port. Each aspect of a domain (NS, DS, LOCK, CONTACT,
 * TRANSFER) is read from domain:info and written with the one domain:update or domain:transfer that
 * turns `before` into `after`; NS and DS are verified in the parent zone's DNS as well.
 */
export function eppRegistryPort(options: RegistryPortOptions): ProviderPort {
  const { session } = options;
  let reads = 0;

  /** Sends one command; any 2xxx result becomes a typed failure (secrets the command carried redacted). */
  async function run(label: string, xml: string, secrets: readonly string[] = []): Promise<EppResponse> {
    const answer = await session.send(xml, label, activityDeadline());
    const result = answer.results[0];
    if (result === undefined || result.code >= 2000)
      throw eppFailure(
        label,
        result ?? { code: 2400, message: 'no result in the response', reasons: [] },
        answer.svTRID,
        secrets,
      );
    return answer;
  }

  const readId = () => `CS-read-${process.pid}-${Date.now()}-${(reads += 1)}`;

  async function info(domain: string): Promise<DomainInfo> {
    return epp.domainInfoOf(await run('domain:info', epp.domainInfo(domain, readId())));
  }

  async function transferState(domain: string, found: DomainInfo): Promise<string[]> {
    const sponsor = found.sponsor === options.clID ? selfRegistrar : found.sponsor;
    const records = [`sponsor:${sponsor}`];
    if (found.statuses.includes('pendingTransfer')) {
      const trn = epp.transferInfoOf(
        await run('domain:transfer query', epp.domainTransferQuery(domain, readId())),
      );
      if (trn !== null && trn.status === 'pending')
        records.push(`pending:${trn.requester === options.clID ? selfRegistrar : trn.requester}`);
    }
    return records;
  }

  async function aspectOf(subject: Subject, found: DomainInfo): Promise<RRset | null> {
    switch (subject.type) {
      case 'NS':
        return aspectState(subject, found.nameservers);
      case 'DS':
        return aspectState(subject, found.ds.map(canonicalDs));
      case 'LOCK':
        return aspectState(
          subject,
          found.statuses.filter((s) => (lockStatuses as readonly string[]).includes(s)),
        );
      case 'CONTACT':
        return aspectState(subject, [
          ...(found.registrant === null ? [] : [`registrant:${found.registrant}`]),
          ...found.contacts.map((c) => `${c.type}:${c.id}`),
        ]);
      case 'TRANSFER':
        return aspectState(subject, await transferState(subject.name, found));
      default:
        throw new Error(`the registry port has no ${subject.type} aspect`);
    }
  }

  /** Creates the host objects a delegation names that the registry does not know yet. */
  async function ensureHosts(
    hosts: readonly string[],
    glue: Readonly<Record<string, string>>,
    ids: () => string,
    receipts: Receipt[],
  ): Promise<void> {
    if (hosts.length === 0) return;
    const missing = epp.unknownHosts(await run('host:check', epp.hostCheck(hosts, ids())));
    for (const host of missing) {
      const clTRID = ids();
      const created = await run(
        'host:create',
        epp.hostCreate(
          host,
          clTRID,
          (glue[glueParam(host)] ?? '').split(' ').filter((a) => a !== ''),
        ),
      );
      receipts.push(receiptOf('host:create', clTRID, created));
    }
  }

  function lockChanges(before: readonly string[], after: readonly string[]): DomainChanges[] {
    const add = difference(after, before);
    const rem = difference(before, after);
    const updateLock = 'clientUpdateProhibited';
    // While update-prohibited a registry accepts only an update that lifts that lock (RFC 5731
    // §2.3): lift it together with the removals, then add the additions and the lock back. A retry
    // that finds the first step done resumes from it (the kind's `resumable`).
    if ((add.length > 0 || rem.length > 0) && before.includes(updateLock) && after.includes(updateLock))
      return [{ rem: { statuses: [...rem, updateLock] } }, { add: { statuses: [...add, updateLock] } }];
    return [
      {
        ...(add.length > 0 ? { add: { statuses: add } } : {}),
        ...(rem.length > 0 ? { rem: { statuses: rem } } : {}),
      },
    ];
  }

  function contactChanges(before: readonly string[], after: readonly string[]): DomainChanges {
    const contacts = (records: readonly string[]) =>
      records
        .filter((r) => !r.startsWith('registrant:'))
        .map((r) => ({ type: r.slice(0, r.indexOf(':')), id: r.slice(r.indexOf(':') + 1) }));
    const registrant = after.find((r) => r.startsWith('registrant:'));
    return {
      add: { contacts: contacts(difference(after, before)) },
      rem: { contacts: contacts(difference(before, after)) },
      ...(registrant !== undefined && !before.includes(registrant)
        ? { registrant: registrant.slice('registrant:'.length) }
        : {}),
    };
  }

  /**
   * The registry's poll message about a transfer of `domain` that completed (approved, rejected,
   * cancelled), acknowledged once read; as a verification answer. Messages about other objects stay
   * queued for whoever handles them.
   */
  async function transferMessage(domain: string): Promise<RrsetAnswer | null> {
    // The queue is first in, first out: only this domain's messages are taken (acknowledged and
    // logged); the first message about anything else stays queued for whoever handles it.
    for (let taken = 0; taken < maxPollPerVerify; taken += 1) {
      const polled = await session.send(epp.pollRequest(readId()), 'poll', activityDeadline());
      const result = polled.results[0];
      if (result === undefined || result.code !== 1301 || polled.msgQ === undefined) return null;
      const trn = epp.transferInfoOf(polled);
      if (trn === null || trn.name !== domain) return null;
      options.logger.info(
        { msgID: polled.msgQ.id, message: polled.msgQ.message, transfer: trn },
        'registry poll message read and acknowledged',
      );
      const acked = await session.send(epp.pollAck(polled.msgQ.id, readId()), 'poll ack', activityDeadline());
      // 2303: another worker acknowledged it first; the message was read all the same.
      const ackCode = acked.results[0]?.code ?? 0;
      if (ackCode >= 2000 && ackCode !== 2303)
        throw eppFailure(
          'poll ack',
          acked.results[0] ?? { code: 2400, message: 'no result', reasons: [] },
          acked.svTRID,
        );
      // "Transfer requested" tells the losing registrar what it already knows here; only outcomes verify.
      if (trn.status === 'pending') continue;
      return outcomeAnswer(domain, trn, polled.msgQ.id);
    }
    return null;
  }

  function outcomeAnswer(domain: string, trn: epp.TransferInfo, msgID: string): RrsetAnswer {
    const gained = trn.requester === options.clID && trn.status.endsWith('Approved');
    const kept = trn.requester !== options.clID && !trn.status.endsWith('Approved');
    const sponsor =
      gained || kept ? selfRegistrar : trn.status.endsWith('Approved') ? trn.requester : trn.actor;
    return {
      server: `registry ${session.endpoint} poll message ${msgID} (${trn.status})`,
      rcode: 'NOERROR',
      authoritative: true,
      referral: false,
      rrset: aspectState({ name: domain, type: 'TRANSFER' }, [`sponsor:${sponsor}`]),
    };
  }

  return {
    async read(_zone, subject) {
      const found = await info(subject.name);
      const locks = aspectState(
        { name: subject.name, type: 'LOCK' },
        found.statuses.filter((s) => (lockStatuses as readonly string[]).includes(s)),
      );
      return { live: await aspectOf(subject, found), locks };
    },

    async write(plan: Plan, transaction: TransactionIds) {
      let n = 0;
      // Same prefix on every attempt of this activity: the registry's log shows a retry as one.
      const ids = () => `${transaction.base}-a${transaction.attempt}-${(n += 1)}`;
      const receipts: Receipt[] = [];
      const before = plan.before?.records ?? [];
      const after = plan.after?.records ?? [];
      const update = async (changes: DomainChanges) => {
        const clTRID = ids();
        receipts.push(
          receiptOf(
            'domain:update',
            clTRID,
            await run('domain:update', epp.domainUpdate(plan.name, changes, clTRID)),
          ),
        );
      };
      switch (plan.type) {
        case 'NS': {
          const added = difference(after, before);
          await ensureHosts(added, plan.params ?? {}, ids, receipts);
          await update({ add: { ns: added }, rem: { ns: difference(before, after) } });
          break;
        }
        case 'DS':
          await update({ ds: { add: difference(after, before), rem: difference(before, after) } });
          break;
        case 'LOCK':
          for (const changes of lockChanges(before, after)) await update(changes);
          break;
        case 'CONTACT':
          await update(contactChanges(before, after));
          break;
        case 'TRANSFER': {
          const clTRID = ids();
          const pendingFrom = before.find((r) => r.startsWith('pending:'));
          if (after.includes(`sponsor:${selfRegistrar}`) && pendingFrom === undefined) {
            const ref = plan.params?.authCodeRef ?? '';
            const authCode = await options.secrets(ref);
            const answer = await run(
              'domain:transfer request',
              epp.domainTransfer('request', plan.name, clTRID, authCode),
              [authCode],
            );
            receipts.push(receiptOf('domain:transfer request', clTRID, answer));
          } else {
            const op = after.includes(`sponsor:${selfRegistrar}`) ? 'reject' : 'approve';
            receipts.push(
              receiptOf(
                `domain:transfer ${op}`,
                clTRID,
                await run(`domain:transfer ${op}`, epp.domainTransfer(op, plan.name, clTRID)),
              ),
            );
          }
          break;
        }
        default:
          throw new Error(`the registry port cannot write ${plan.type}`);
      }
      options.logger.info({ domain: plan.name, aspect: plan.type, receipts }, 'registry updated');
      return receipts;
    },

    async verify(plan: Plan, expected: RRset | null) {
      const subject = { name: plan.name, type: plan.type };
      let live: RRset | null;
      try {
        live = await aspectOf(subject, await info(plan.name));
      } catch (err) {
        // A registry that cannot be asked is silence, not a wrong answer: verify again, never roll back on it.
        const why = err instanceof Error ? err.message : String(err);
        return requireServed(
          [
            {
              server: `registry ${session.endpoint}`,
              rcode: `ERROR: ${why}`,
              authoritative: false,
              referral: false,
              rrset: null,
            },
          ],
          expected,
          `${plan.name} ${plan.type}`,
          'registry and parent-zone servers',
        );
      }
      const pending =
        plan.type === 'TRANSFER' && (live?.records.some((r) => r.startsWith('pending:')) ?? false);
      const registry: RrsetAnswer = {
        server: `registry ${session.endpoint}`,
        // A transfer waiting for the other registrar is not an answer yet: keep verifying.
        rcode: pending ? 'PENDING (transfer awaits the losing registrar or auto-approval)' : 'NOERROR',
        authoritative: !pending,
        referral: false,
        rrset: live,
      };
      const answers: RrsetAnswer[] = [registry];
      if (plan.type === 'TRANSFER') {
        // Shown only when it agrees with domain:info: an older outcome of an earlier transfer of
        // this domain must not decide this one.
        const message = await transferMessage(plan.name).catch(() => null);
        if (message !== null && rrsetEquals(message.rrset, live)) answers.push(message);
      }
      if (plan.type === 'NS' || plan.type === 'DS') {
        const served = await askAll(options.parentServers, plan.name, plan.type);
        // The parent's TTL is the registry's to set: only the records are compared.
        answers.push(
          ...served.map((a) => ({
            ...a,
            rrset:
              a.rrset === null
                ? null
                : {
                    ...a.rrset,
                    ttl: 0,
                    records: a.rrset.records.map((r) => (plan.type === 'DS' ? canonicalDs(r) : r)),
                  },
          })),
        );
      }
      return requireServed(
        answers,
        expected,
        `${plan.name} ${plan.type}`,
        'registry and parent-zone servers',
      );
    },
  };
}

function receiptOf(command: string, clTRID: string, answer: EppResponse): Receipt {
  return { command, clTRID, svTRID: answer.svTRID ?? '', code: answer.results[0]?.code ?? 0 };
}
