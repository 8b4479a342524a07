import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import pino from 'pino';
import { exampleRecommendation } from '../src/examples';
import { approveAs } from '../workers/stack/approver-set';
import { startGovernedStack } from '../workers/stack/governed-stack';
import { staticPolicySource } from '../activities/policy/policy-store';
import { requireDefaultPolicy } from '../activities/policy/policy-files';
import { withGovernor, withTimings } from '../src/policy/overrides';
import { governorWorkflowId } from '../src/governor/scope';
import { seedZone } from '../workers/demo/seed';
import { registerDomain } from '../workers/demo/registry-seed';
import { ensureInstalled, projectRoot } from '../workers/stack/install';
import { installRuntime } from '../workers/runtime';
import { runMain } from '../workers/preflight/run-main';
import { PreconditionError } from '../workers/preflight/precondition-error';
import { folderStore } from '../activities/evidence/folder-store';
import type { GeneratedKey } from '../workers/evidence-key';
import { generateEvidenceKey } from '../workers/evidence-key';
import type { LedgerStatus } from '../src/evidence/ledger-protocol';
import { ledgerWorkflowIdOf } from '../src/evidence/ledger-protocol';
import { ledgerStatusQuery } from '../workflows/messages';

const usage =
  'usage: npx tsx scripts/record-histories.ts <generation> [--replace] [--tampered]\n' +
  '  <generation>  the new folder under test/replay/histories, e.g. v8-sealed-evidence\n' +
  '  --replace     re-record a generation that already has histories (older ones stay as they are)\n' +
  "  --tampered    also rewrite tampered/activity-order-changed.json from this generation's approval-executed";

/**
 * Records the histories the replay suite checks into one new generation folder: one per route,
 * run on the real stack with sealing on, plus the governors' and the evidence ledger's own
 * histories. Re-record only on purpose (a change that is meant to be incompatible goes behind
 * patched() instead), and commit the result. With `--tampered`, also writes the deliberately
 * tampered history that replay must reject.
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { temporalBin } = ensureInstalled();
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'record-'));
  // Each recording goes to its own folder; older folders stay, so histories of running workflows keep replaying.
  const out = path.join(projectRoot, 'test', 'replay', 'histories', args.generation);
  mkdirSync(out, { recursive: true });
  const logger = pino({ level: 'warn' });
  installRuntime(logger);
  // A throwaway evidence key and a write-once folder, both inside the data folder removed below:
  // the histories hold only digests and heads, and checkNoKeyMaterial proves it before the end.
  const signer = generateEvidenceKey(path.join(dataDir, 'evidence-keys'));
  const governed = await startGovernedStack({
    temporalBin,
    dataDir,
    headless: true,
    taskQueue: 'record',
    logger,
    policy: staticPolicySource(await recordingPolicy()),
    s3: false,
    evidence: { key: signer.key, store: folderStore(path.join(dataDir, 'evidence')) },
  });
  try {
    const { pdns, approvers, countersign: cs, worker, exporter } = governed;
    if (exporter === undefined) throw new Error('the stack started no evidence exporter (this is a bug)');
    await seedZone(pdns, 'example.com.', 20);
    await seedZone(pdns, 'staging.example.net.', 20);
    // Every change recorded here closes and asks the ledger to seal it.
    let closedChanges = 0;
    const recording = worker.runUntil(async () => {
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
        closedChanges += 1;
        const history = await handle.fetchHistory();
        writeFileSync(path.join(out, `${name}.json`), `${historyToJSON(history)}\n`);
        console.log(`${name}: ${result.view.state}, ${history.events?.length ?? 0} events`);
        if (name === 'approval-executed' && args.tampered) {
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
        closedChanges += 1;
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

      // The deployment's evidence ledger, still running, once it has sealed every change above.
      const ledger = governed.client.workflow.getHandle(ledgerWorkflowIdOf('record'));
      const status = await sealedAll(ledger, closedChanges);
      const sealed = await ledger.fetchHistory();
      writeFileSync(path.join(out, 'evidence-ledger.json'), `${historyToJSON(sealed)}\n`);
      console.log(
        `evidence-ledger: ${(status.head?.index ?? -1) + 1} changes sealed, ${sealed.events?.length ?? 0} events`,
      );
    });
    await exporter.runUntil(recording);
    checkNoKeyMaterial(out, signer);
  } finally {
    try {
      await governed.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

function parseArgs(argv: readonly string[]): { generation: string; tampered: boolean } {
  const flags = argv.filter((a) => a.startsWith('--'));
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--replace' && f !== '--tampered');
  const generation = names[0];
  if (unknown.length > 0 || names.length !== 1 || generation === undefined)
    throw new PreconditionError(
      `expected one generation name and known flags, got ${JSON.stringify(argv)}\n${usage}`,
    );
  if (!/^v\d+-[a-z0-9-]+$/.test(generation))
    throw new PreconditionError(
      `generation ${JSON.stringify(generation)} is not of the form v<n>-<what-changed>\n${usage}`,
    );
  const out = path.join(projectRoot, 'test', 'replay', 'histories', generation);
  const recorded = existsSync(out) && readdirSync(out).some((f) => f.endsWith('.json'));
  if (recorded && !flags.includes('--replace'))
    throw new PreconditionError(
      `${generation} already has recorded histories: a new generation gets a new name; pass --replace to re-record it on purpose\n${usage}`,
    );
  return { generation, tampered: flags.includes('--tampered') };
}

/** Waits until the ledger has sealed `count` changes, none refused; its status query adds no history. */
async function sealedAll(ledger: WorkflowHandle, count: number): Promise<LedgerStatus> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await ledger.query(ledgerStatusQuery);
    if (status.unsealed.length > 0)
      throw new Error(`the ledger left changes unsealed: ${JSON.stringify(status.unsealed)}`);
    if (status.pending === 0 && (status.head?.index ?? -1) + 1 >= count) return status;
    if (Date.now() > deadline)
      throw new Error(`the ledger sealed ${(status.head?.index ?? -1) + 1} of ${count} changes in 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Refuses a recording in which the evidence key appears in any form (PEM body, seed in base64 or
 * hex), in the events or in any payload decoded from base64.
 */
function checkNoKeyMaterial(out: string, signer: GeneratedKey): void {
  const seed = Buffer.from(signer.key.seed);
  const pemBody = readFileSync(signer.keyFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .join('');
  const forms = [pemBody, seed.toString('base64'), seed.toString('base64url'), seed.toString('hex')];
  for (const file of readdirSync(out).filter((f) => f.endsWith('.json'))) {
    const json = readFileSync(path.join(out, file), 'utf8');
    const payloads = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
      Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
    );
    const text = [json, ...payloads].join('\n');
    if (forms.some((form) => text.includes(form)))
      throw new Error(`${file} contains the evidence key: do not commit this recording`);
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
