import { aspectState, describeAspect, domainFacts, domainIssues, domainSubject } from './registrar-domain';
import type { ChangeKind } from './change-kind';
import type { Transfer } from './kind-schemas';

/**
 * The transfer state of a domain as this registrar sees it: `sponsor:self` or `sponsor:<registrar>`,
 * and `pending:self` / `pending:<registrar>` while a transfer asked by that registrar is pending.
 */
export const selfRegistrar = 'self';

function requesterOf(records: readonly string[]): string | null {
  const pending = records.find((r) => r.startsWith('pending:'));
  return pending === undefined ? null : pending.slice('pending:'.length);
}

/** Requests a transfer in, or approves or rejects one going out. Not reversible: never rolled back. */
export const transfer: ChangeKind<Transfer> = {
  kind: 'registrar.transfer',
  port: 'registry',
  normalise(change, zone) {
    const issues = domainIssues(zone);
    if (change.action === 'request' && change.authCode === undefined)
      issues.push({
        code: 'missing_field',
        path: 'change.authCode',
        message: "a transfer request needs the domain's auth code, by reference",
        expected: '{ "secretRef": "<name in the worker\'s secret store>" }',
        received: 'nothing',
      });
    if (change.action !== 'request' && change.authCode !== undefined)
      issues.push({
        code: 'unexpected_field',
        path: 'change.authCode',
        message: `an auth code is only sent with a transfer request, not to ${change.action} one`,
        expected: 'no authCode',
        received: 'an authCode reference',
      });
    return issues.length > 0 ? { ok: false, issues } : { ok: true, change };
  },
  subject: (_change, zone) => domainSubject(zone, 'TRANSFER'),
  plan(change, subject, live) {
    const records = live?.records ?? [];
    const requester = requesterOf(records);
    if (change.action === 'request') {
      if (records.includes(`sponsor:${selfRegistrar}`)) return { ok: true, after: live };
      if (requester !== null && requester !== selfRegistrar)
        return {
          ok: false,
          code: 'transfer_pending',
          message: `a transfer of ${subject.name} to ${requester} is pending; a request can follow once it is answered`,
        };
      return {
        ok: true,
        after: aspectState(subject, [`sponsor:${selfRegistrar}`]),
        params: { authCodeRef: change.authCode?.secretRef ?? '' },
      };
    }
    if (requester === null || requester === selfRegistrar || !records.includes(`sponsor:${selfRegistrar}`))
      return {
        ok: false,
        code: 'no_pending_transfer',
        message: `no transfer of ${subject.name} to another registrar is pending, so there is nothing to ${change.action}`,
      };
    return {
      ok: true,
      after: aspectState(subject, [
        change.action === 'approve' ? `sponsor:${requester}` : `sponsor:${selfRegistrar}`,
      ]),
    };
  },
  // Registries auto-approve a transfer nobody answers after five days (ICANN); ask at most hourly.
  verification: { patienceSeconds: 6 * 86400, roundSeconds: 3600 },
  inFlight: (plan, live) =>
    plan.params?.authCodeRef !== undefined && (live?.records.includes(`pending:${selfRegistrar}`) ?? false),
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: (subject) => `${subject.name} is already sponsored by this registrar`,
  describe: describeAspect,
  rollback: () =>
    'none: a transfer cannot be undone by this registrar (the domain would have to be transferred back)',
};
