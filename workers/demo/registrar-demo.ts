import type { Logger } from 'pino';
import { createDirectorySource } from '../../activities/approvals/directory-store';
import { queryRrset } from '../../activities/dns/query';
import type { PolicySource } from '../../activities/policy/policy-store';
import { staticPolicySource } from '../../activities/policy/policy-store';
import type { ApproverKeyFile } from '../../src/client/approver-keys';
import { CountersignClient } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import { withTimings } from '../../src/policy/overrides';
import { createChangeWorker } from '../create-worker';
import type { GovernedStack } from '../stack/governed-stack';
import { registerDomain } from './registry-seed';

export const demoRegistrarTaskQueue = 'countersign-registrar-demo';
const taskQueue = demoRegistrarTaskQueue;
const locks = ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited'];

/**
 * The registrar flow: a production domain's nameservers move to a new DNS host while it is locked
 * at the registry. Dual control (an SRE, a DNS admin and security approve), then one workflow
 * unlocks, changes, verifies at the registry and in the parent zone, and relocks. Runs on its own
 * worker whose policy is the shipped one with a 5 s cooling-off instead of 1 h, so it can be
 * watched. Returns what went wrong, if anything.
 */
export async function showRegistrarChange(
  governed: GovernedStack,
  policy: PolicySource,
  run: string,
  logger: Logger,
  evidenceDir: string,
): Promise<string[]> {
  if (governed.registry === undefined) return ['the EPP registry test double did not start'];
  const problems: string[] = [];
  const domain = `shop-${run}.test.`;
  await registerDomain(
    governed.registry.config,
    { name: domain, nameservers: ['ns1.old-dns-host.net.', 'ns2.old-dns-host.net.'], locks },
    logger,
  );
  console.log(
    `\nregistrar: ${domain} is registered at the EPP registry test double, delegated to ns1/ns2.old-dns-host.net and locked (${locks.join(', ')})`,
  );
  console.log(
    '  (this part runs the shipped policy with a 5 s cooling-off instead of 1 h, so you can watch it)',
  );
  const worker = await createChangeWorker({
    connection: governed.workerConnection,
    taskQueue,
    // Sealed by the demo's deployment ledger, like every other demo change.
    evidenceLedger: governed.exporter === undefined ? false : governed.taskQueue,
    directory: createDirectorySource(governed.approvers.directoryPath),
    deps: {
      powerdns: governed.pdns,
      verifyServers: [governed.stack.pdns.dns],
      registry: governed.registry.connection.port,
      logger,
      policy: staticPolicySource(withTimings(await policy(), { coolingOffSeconds: 5 })),
      evidenceDir,
    },
  });
  const cs = new CountersignClient(governed.client, taskQueue);
  const id = `demo-${run}-registrar-ns`;
  await worker.runUntil(async () => {
    await cs.submit(
      exampleRecommendation({
        id,
        zone: domain,
        environment: 'production',
        rationale: 'The zone moved to the new DNS host; its servers answer for it (checked for 24 h).',
        change: {
          kind: 'registrar.set_nameservers',
          nameservers: ['ns1.new-dns-host.net', 'ns2.new-dns-host.net'],
        },
      }),
    );
    const waiting = await cs.waitForState(id, ['awaiting_approval', 'failed', 'refused', 'blocked']);
    if (waiting.state !== 'awaiting_approval') {
      problems.push(`the registrar change ended ${waiting.state}: ${waiting.outcome?.message ?? ''}`);
      return;
    }
    console.log(`\n--- decision card: ${id} ---\n${await cs.decisionCard(id)}`);
    const planHash = waiting.approval?.planHash ?? '';
    const who: Record<string, string> = {
      sre: 'alice',
      'dns-admin': 'frank',
      security: 'erin',
      'service-owner': 'dave',
    };
    for (const role of waiting.decision?.approvals.roles ?? []) {
      const person = `${who[role.role] ?? role.role}@example.com`;
      const { verdict } = await cs.decide(id, {
        key: governed.approvers.keys[person] as ApproverKeyFile,
        decision: 'approve',
        reason: 'the new DNS host serves the zone; checked',
        planHash,
      });
      console.log(`  ${person} (${role.role}) approves: ${verdict.message}`);
    }
    const done = await cs.waitForState(id, [
      'executed',
      'failed',
      'rolled_back',
      'stale',
      'rejected',
      'expired',
    ]);
    if (done.state !== 'executed')
      problems.push(`the registrar change ended ${done.state}: ${done.outcome?.message ?? ''}`);
    const { entries, check } = await cs.evidence(id);
    const shown = ['unlock_applied', 'execute_applied', 'verified', 'relock_applied', 'relock_verified'];
    console.log(`  change ${done.state}: ${done.outcome?.message ?? ''}`);
    for (const entry of entries.filter((e) => shown.includes(e.step))) {
      const receipts =
        (entry.data as { receipts?: { command: string; svTRID: string }[] } | undefined)?.receipts ?? [];
      console.log(
        `  evidence ${entry.step.padEnd(16)} ${entry.summary}${receipts.length === 0 ? '' : ` [${receipts.map((r) => `${r.command} svTRID ${r.svTRID}`).join(', ')}]`}`,
      );
    }
    const missing = shown.filter((step) => !entries.some((e) => e.step === step));
    if (missing.length > 0) problems.push(`the registrar change's evidence lacks ${missing.join(', ')}`);
    const parent = await queryRrset(governed.stack.pdns.dns, domain, 'NS');
    console.log(
      `  the parent zone test. now delegates ${domain} to ${parent.rrset?.records.join(', ') ?? '(nothing)'}${parent.referral ? ' (a referral, as a TLD answers)' : ''}`,
    );
    console.log(
      `  evidence chain: ${check.ok ? `verified, ${check.length} entries` : `BROKEN: ${check.problem}`}`,
    );
    if (!check.ok) problems.push('the registrar change evidence chain did not verify');
  });
  return problems;
}
