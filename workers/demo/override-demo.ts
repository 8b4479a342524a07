import type { ApproverKeyFile } from '../../src/client/approver-keys';
import { GovernorActionError } from '../../src/client/governor-client';
import type { CountersignClient } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import type { Scope } from '../../src/governor/scope';
import { renderOverrides } from '../../src/overrides/overrides-status';

/**
 * People's overrides on the production zone: a freeze holds an approved change until it is lifted,
 * then a break-glass lets one SRE's approval through a dual-control change, and a different person
 * completes the retroactive review (the holder is refused). Returns what went wrong, if anything.
 */
export async function showOverrides(
  cs: CountersignClient,
  keys: Readonly<Record<string, ApproverKeyFile>>,
  run: string,
  zone: string,
): Promise<string[]> {
  const problems: string[] = [];
  const key = (who: string) => keys[who] as ApproverKeyFile;
  const scope: Scope = { kind: 'zone', name: zone };
  const approve = async (id: string, who: string) => {
    const planHash = (await cs.status(id)).approval?.planHash ?? '';
    return (await cs.decide(id, { key: key(who), decision: 'approve', reason: 'checked the card', planHash }))
      .verdict;
  };

  console.log(
    `\n$ countersign freeze --scope zone:${zone} --until 10m --reason "resolver maintenance" --key alice.key`,
  );
  const frozen = await cs.overrides.freeze(scope, {
    key: key('alice@example.com'),
    reason: 'resolver maintenance',
    until: new Date(Date.now() + 600_000).toISOString(),
    incident: null,
  });
  console.log(`  ${frozen.message}`);
  const held = exampleRecommendation({
    id: `demo-${run}-during-freeze`,
    zone,
    environment: 'production',
    rationale: 'The status page moved to the new pool.',
    change: {
      kind: 'dns.upsert_rrset',
      name: `status-${run}.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.80'],
    },
  });
  await cs.submit(held);
  await cs.waitForState(held.id, ['awaiting_approval']);
  const counted = await approve(held.id, 'alice@example.com');
  const waiting = await cs.waitForState(held.id, ['held', 'executed']);
  console.log(
    `  ${held.id}: approved (${counted.counted ? counted.status : 'refused'}), then ${waiting.state}: ${waiting.governor?.hold?.message ?? ''}`,
  );
  if (waiting.state !== 'held' || waiting.governor?.hold?.code !== 'freeze')
    problems.push('the approved change was not held by the freeze');
  console.log(`$ countersign unfreeze --scope zone:${zone} --reason "maintenance done" --key carol.key`);
  const lifted = await cs.overrides.unfreeze(scope, {
    key: key('carol@example.com'),
    reason: 'maintenance done',
  });
  console.log(`  ${lifted.message}`);
  const released = await cs.waitForState(held.id, ['executed', 'failed', 'rolled_back']);
  console.log(`  ${held.id}: ${released.state}`);
  if (released.state !== 'executed') problems.push('the held change did not execute after the freeze');

  console.log(
    `\n$ countersign break-glass --scope zone:${zone} --for 30m --incident INC-${run} --reason "mail bounces" --key alice.key`,
  );
  const grant = await cs.overrides.breakGlass(scope, {
    key: key('alice@example.com'),
    reason: 'mail bounces',
    seconds: 1800,
    incident: `INC-${run}`,
  });
  console.log(`  ${grant.message}`);
  const urgent = exampleRecommendation({
    id: `demo-${run}-break-glass`,
    zone,
    environment: 'production',
    incidentId: `INC-${run}`,
    rationale: 'The primary MX is down; route mail through the standby.',
    change: {
      kind: 'dns.upsert_rrset',
      name: zone,
      type: 'MX',
      ttl: 3600,
      records: [`10 mx-${run}.${zone}`],
    },
  });
  await cs.submit(urgent);
  await cs.waitForState(urgent.id, ['awaiting_approval']);
  const single = await approve(urgent.id, 'alice@example.com');
  const done = await cs.waitForState(urgent.id, ['executed', 'failed', 'rolled_back']);
  console.log(`  ${urgent.id} (tier 3: SRE + service owner + cooling-off): ${single.message}; ${done.state}`);
  if (done.state !== 'executed' || done.approval?.state.approvals.length !== 1)
    problems.push('the break-glass approval did not let the dual-control change through alone');

  console.log(`$ countersign break-glass end --scope zone:${zone} --reason "mail flows" --key alice.key`);
  console.log(
    `  ${(await cs.overrides.endBreakGlass(scope, grant.grantId ?? null, { key: key('alice@example.com'), reason: 'mail flows' })).message}`,
  );
  try {
    await cs.overrides.reviewBreakGlass(scope, grant.grantId ?? '', {
      key: key('alice@example.com'),
      reason: 'fine',
    });
    problems.push('the break-glass holder reviewed their own break-glass');
  } catch (err) {
    if (!(err instanceof GovernorActionError)) throw err;
    console.log(`  alice reviews her own break-glass: refused (${err.message})`);
  }
  console.log(
    `$ countersign break-glass review ${grant.grantId ?? ''} --scope zone:${zone} --approve --reason "..." --key bob.key`,
  );
  const reviewed = await cs.overrides.reviewBreakGlass(scope, grant.grantId ?? '', {
    key: key('bob@example.com'),
    reason: 'the MX change matched the incident',
  });
  console.log(`  ${reviewed.message}`);
  const status = await cs.governorStatus(scope);
  if (status.overrides !== undefined)
    console.log(
      `\n$ countersign governor status zone:${zone}   (overrides part)${renderOverrides(status.overrides).join('\n')}`,
    );
  return problems;
}
