import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import pino from 'pino';
import { exampleRecommendation } from '../src/examples';
import { approveAs } from '../workers/stack/approver-set';
import { startGovernedStack } from '../workers/stack/governed-stack';
import { requireDefaultPolicy, staticPolicySource } from '../activities/policy/policy-store';
import { withGovernor, withTimings } from '../src/policy/overrides';
import { governorWorkflowId } from '../src/governor/scope';
import { seedZone } from '../workers/demo/seed';
import { registerDomain } from '../workers/demo/registry-seed';
import { ensureInstalled, projectRoot } from '../workers/stack/install';
import { installRuntime } from '../workers/runtime';
import { runMain } from '../workers/preflight/run-main';

/**
 * Records the histories the replay suite checks: one per route, run on the real stack. Re-record
 * only on purpose (a change that is meant to be incompatible goes behind patched() instead), and
 * commit the result. Also writes one deliberately tampered history that replay must reject.
 */
async function main(): Promise<void> {
  const { temporalBin } = ensureInstalled();
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'record-'));
  // Each recording goes to its own folder; older folders stay, so histories of running workflows keep replaying.
  const out = path.join(projectRoot, 'test', 'replay', 'histories', process.argv[2] ?? 'current');
  mkdirSync(out, { recursive: true });
  const logger = pino({ level: 'warn' });
  installRuntime(logger);
  const governed = await startGovernedStack({
    temporalBin,
    dataDir,
    headless: true,
    taskQueue: 'record',
    logger,
    policy: staticPolicySource(await recordingPolicy()),
  });
  try {
    const { pdns, approvers, countersign: cs, worker } = governed;
    await seedZone(pdns, 'example.com.', 20);
    await seedZone(pdns, 'staging.example.net.', 20);
    await worker.runUntil(async () => {
      const cases = {
        'auto-executed': exampleRecommendation({
          id: 'replay-auto',
          zone: 'staging.example.net.',
          environment: 'staging',
          change: {
            kind: 'dns.upsert_rrset',
            name: 'www.staging.example.net.',
            type: 'A',
            ttl: 300,
            records: ['192.0.2.50'],
          },
        }),
        'approval-executed': exampleRecommendation({
          id: 'replay-approval',
          zone: 'example.com.',
          environment: 'production',
          onBehalfOf: 'bob@example.com',
          change: {
            kind: 'dns.upsert_rrset',
            name: 'api.example.com.',
            type: 'A',
            ttl: 300,
            records: ['192.0.2.51'],
          },
        }),
        'dual-control-executed': exampleRecommendation({
          id: 'replay-dual',
          zone: 'example.com.',
          environment: 'production',
          change: {
            kind: 'dns.upsert_rrset',
            name: 'example.com.',
            type: 'MX',
            ttl: 3600,
            records: ['10 mx1.example.com.'],
          },
        }),
        // The zone's automatic budget (1) is spent by auto-executed: this one waits for approval.
        'auto-rerouted-approved': exampleRecommendation({
          id: 'replay-rerouted',
          zone: 'staging.example.net.',
          environment: 'staging',
          change: {
            kind: 'dns.upsert_rrset',
            name: 'api.staging.example.net.',
            type: 'A',
            ttl: 300,
            records: ['192.0.2.52'],
          },
        }),
        blocked: exampleRecommendation({
          id: 'replay-blocked',
          zone: 'example.com.',
          environment: 'production',
          change: { kind: 'dns.delete_rrset', name: 'example.com.', type: 'NS' },
        }),
      };
      for (const [name, rec] of Object.entries(cases)) {
        const { handle } = await cs.submit(rec);
        if (name === 'auto-rerouted-approved') {
          await cs.waitForState(rec.id, ['awaiting_approval']);
          await approveAs(cs, approvers, rec.id, ['alice@example.com'], 'reviewed the re-routed change');
        } else if (name !== 'auto-executed' && name !== 'blocked') {
          // The requester tries first (refused and recorded), then the approvers the policy asks for.
          const secondReviewer = name === 'dual-control-executed' ? ['carol@example.com'] : [];
          await approveAs(
            cs,
            approvers,
            rec.id,
            ['bob@example.com', 'alice@example.com', ...secondReviewer],
            'reviewed',
          );
        }
        const result = await handle.result();
        const history = await handle.fetchHistory();
        writeFileSync(path.join(out, `${name}.json`), `${historyToJSON(history)}\n`);
        console.log(`${name}: ${result.view.state}, ${history.events?.length ?? 0} events`);
        if (name === 'approval-executed') {
          // Tampered: the first activity is renamed, as if the workflow code had changed order.
          const tampered = JSON.parse(historyToJSON(history)) as {
            events: { activityTaskScheduledEventAttributes?: { activityType?: { name: string } } }[];
          };
          const first = tampered.events.find((e) => e.activityTaskScheduledEventAttributes !== undefined);
          if (first?.activityTaskScheduledEventAttributes?.activityType !== undefined)
            first.activityTaskScheduledEventAttributes.activityType.name = 'execute';
          writeFileSync(
            path.join(out, '..', 'tampered', 'activity-order-changed.json'),
            `${JSON.stringify(tampered)}\n`,
          );
        }
      }
      // Overrides: a change held by a freeze until it is lifted, one approved alone under break-glass,
      // and the production zone's governor that kept both (with the break-glass review).
      const production = { kind: 'zone' as const, name: 'example.com.' };
      const key = (who: string) => {
        const found = approvers.keys[who];
        if (found === undefined) throw new Error(`no sample key for ${who}`);
        return found;
      };
      const save = async (name: string, id: string) => {
        const handle = governed.client.workflow.getHandle(`change-${id}`);
        const result = (await handle.result()) as { view: { state: string } };
        const history = await handle.fetchHistory();
        writeFileSync(path.join(out, `${name}.json`), `${historyToJSON(history)}\n`);
        console.log(`${name}: ${result.view.state}, ${history.events?.length ?? 0} events`);
      };
      await cs.overrides.freeze(production, {
        key: key('alice@example.com'),
        reason: 'recording a freeze',
        until: null,
        incident: null,
      });
      const frozen = exampleRecommendation({
        id: 'replay-frozen',
        zone: 'example.com.',
        environment: 'production',
        change: {
          kind: 'dns.upsert_rrset',
          name: 'status.example.com.',
          type: 'A',
          ttl: 300,
          records: ['192.0.2.53'],
        },
      });
      await cs.submit(frozen);
      await approveAs(cs, approvers, frozen.id, ['alice@example.com'], 'reviewed during the freeze');
      await cs.waitForState(frozen.id, ['held']);
      await cs.overrides.unfreeze(production, { key: key('carol@example.com'), reason: 'recording done' });
      await save('frozen-released', frozen.id);
      const grant = await cs.overrides.breakGlass(production, {
        key: key('alice@example.com'),
        reason: 'recording a break-glass',
        seconds: 600,
        incident: 'INC-1',
      });
      const urgent = exampleRecommendation({
        id: 'replay-break-glass',
        zone: 'example.com.',
        environment: 'production',
        incidentId: 'INC-1',
        change: {
          kind: 'dns.upsert_rrset',
          name: 'example.com.',
          type: 'MX',
          ttl: 3600,
          records: ['10 mx9.example.com.'],
        },
      });
      await cs.submit(urgent);
      await approveAs(cs, approvers, urgent.id, ['alice@example.com'], 'urgent, under break-glass');
      await save('break-glass-executed', urgent.id);
      await cs.overrides.endBreakGlass(production, grant.grantId ?? null, {
        key: key('alice@example.com'),
        reason: 'recording done',
      });
      await cs.overrides.reviewBreakGlass(production, grant.grantId ?? '', {
        key: key('bob@example.com'),
        reason: 'matches the incident',
      });
      const overrides = await governed.client.workflow
        .getHandle(governorWorkflowId(production, 'record'))
        .fetchHistory();
      writeFileSync(path.join(out, 'governor-overrides.json'), `${historyToJSON(overrides)}\n`);
      console.log(`governor-overrides: ${overrides.events?.length ?? 0} events`);

      // A registrar change to a locked domain: unlock, nameservers, registry and parent-zone checks, relock.
      if (governed.registry !== undefined) {
        const domain = 'replay-shop.test.';
        await registerDomain(
          governed.registry.config,
          {
            name: domain,
            nameservers: ['ns1.old-dns-host.net.', 'ns2.old-dns-host.net.'],
            locks: ['clientTransferProhibited', 'clientUpdateProhibited'],
          },
          logger,
        );
        const registrar = exampleRecommendation({
          id: 'replay-registrar',
          zone: domain,
          environment: 'production',
          change: {
            kind: 'registrar.set_nameservers',
            nameservers: ['ns1.new-dns-host.net', 'ns2.new-dns-host.net'],
          },
        });
        await cs.submit(registrar);
        await approveAs(
          cs,
          approvers,
          registrar.id,
          ['alice@example.com', 'frank@example.com', 'erin@example.com'],
          'reviewed the new delegation',
        );
        await save('registrar-locked-nameservers', registrar.id);
      }

      // The zone's governor, still running: its history must replay too.
      const governor = governed.client.workflow.getHandle(
        governorWorkflowId({ kind: 'zone', name: 'staging.example.net.' }, 'record'),
      );
      const history = await governor.fetchHistory();
      writeFileSync(path.join(out, 'governor-zone.json'), `${historyToJSON(history)}\n`);
      console.log(`governor-zone: ${history.events?.length ?? 0} events`);
    });
  } finally {
    try {
      await governed.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/** The default policy with short delays, and a zone automatic budget of one so re-routing is recorded. */
async function recordingPolicy() {
  const loaded = withTimings(await requireDefaultPolicy(), {
    approvalExpirySeconds: 600,
    coolingOffSeconds: 1,
  });
  return withGovernor(loaded, {
    ...loaded.policy.governor,
    zones: { 'staging.example.net.': { budgets: { automaticExecutions: { limit: 1, window: '1h' } } } },
  });
}

runMain('record-histories', main);
