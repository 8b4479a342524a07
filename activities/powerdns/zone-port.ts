import { ApplicationFailure } from '@temporalio/common';
import type { Subject } from '../../src/kinds/change-kind';
import { FailureType } from '../../src/failures';
import type { Plan, RRset } from '../../src/plan/plan';
import { judgeVerification } from '../../src/verification/verdict';
import type { DnsServer, RrsetAnswer } from '../dns/query';
import { queryRrset } from '../dns/query';
import type { ProviderPort, TransactionIds, VerifyResult } from '../ports/provider-port';
import { writeStamp } from '../ports/provider-port';
import type { PowerDnsClient } from './client';

/** Asks every server for the RRset; a server that cannot be asked answers "ERROR: why". */
export function askAll(servers: readonly DnsServer[], name: string, type: string): Promise<RrsetAnswer[]> {
  return Promise.all(
    servers.map((server) =>
      queryRrset(server, name, type).catch((err: Error): RrsetAnswer => ({
        server: `${server.host}:${server.port}`,
        rcode: `ERROR: ${err.message}`,
        authoritative: false,
        referral: false,
        rrset: null,
      })),
    ),
  );
}

/** Throws the typed verification failure the workflow tells apart: mismatch (roll back) or inconclusive (wait). */
export function requireServed(
  answers: readonly RrsetAnswer[],
  expected: RRset | null,
  what: string,
  servers = 'authoritative servers',
): VerifyResult {
  const judged = judgeVerification(answers, expected);
  if (judged.verdict === 'verified') return { answers };
  const listed = answers
    .filter((a) => judged.mismatched.includes(a.server) || judged.silent.includes(a.server))
    .map((w) => `${w.server} ${w.rcode} ${w.rrset === null ? '(none)' : w.rrset.records.join(' | ')}`)
    .join('; ');
  throw ApplicationFailure.create({
    type:
      judged.verdict === 'mismatch' ? FailureType.VerificationMismatch : FailureType.VerificationInconclusive,
    message:
      judged.verdict === 'mismatch'
        ? `${judged.mismatched.length} of ${answers.length} ${servers} serve other data than the expected ${what}: ${listed}`
        : `${judged.silent.length} of ${answers.length} ${servers} gave no authoritative answer for ${what} (none serves other data): ${listed}`,
    details: [answers],
  });
}

/** PowerDNS as a provider port: RRsets through its HTTP API, verified by DNS queries to every authoritative server. */
export function powerDnsZonePort(
  powerdns: PowerDnsClient,
  verifyServers: readonly DnsServer[],
): ProviderPort {
  return {
    async read(zone: string, subject: Subject) {
      const [{ rrset: live, stamps }, zoneRecords] = await Promise.all([
        powerdns.getStampedRrset(zone, subject.name, subject.type),
        powerdns.countRecords(zone),
      ]);
      // An absent RRset keeps no comments: nothing can be said about who removed it.
      return { live, zoneRecords, ...(live === null ? {} : { stamps }) };
    },
    async write(plan: Plan, transaction: TransactionIds) {
      // PowerDNS replaces an RRset whole; the caller's read just before is the compare.
      await powerdns.writeRrset(plan.zone, plan.name, plan.type, plan.after, writeStamp(transaction, plan));
      return [];
    },
    async verify(plan: Plan, expected: RRset | null) {
      const answers = await askAll(verifyServers, plan.name, plan.type);
      return requireServed(answers, expected, `${plan.name} ${plan.type}`);
    },
  };
}
