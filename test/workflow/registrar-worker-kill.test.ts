import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RegistryConnection } from '../../activities/epp/registry-connection';
import { exampleRecommendation } from '../../src/examples';
import { projectRoot } from '../../workers/stack/install';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import type { RegistryUnderTest, TransactionEntry } from '../helpers/epp-registry';
import { admin, registrar, registryUnderTest } from '../helpers/epp-registry';
import { eventually } from '../helpers/eventually';
import { registryAdapter, seedDomain, us } from '../helpers/registry-fixtures';

/**
 * The product's own worker (`workers/main.ts`, configured by its environment) as a child process,
 * so the test can SIGKILL it between the registry applying a write and the worker hearing back.
 */
async function startWorkerProcess(
  h: Harness,
  registry: RegistryUnderTest,
  taskQueue: string,
): Promise<ChildProcess> {
  const dir = h.env.dataDir;
  const creds = registrar(registry, us);
  const passwordFile = path.join(dir, `epp-password-${taskQueue}`);
  writeFileSync(passwordFile, creds.password, { mode: 0o600 });
  // The shipped policy with one-second cooling-offs, so dual control does not wait an hour here.
  const policyFile = path.join(dir, `policy-${taskQueue}.yaml`);
  const shipped = readFileSync(path.join(projectRoot, 'policies', 'default.yaml'), 'utf8');
  writeFileSync(policyFile, shipped.replace(/coolingOff: [0-9a-z]+/g, 'coolingOff: 1s'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'workers', 'main.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.env.temporalAddress,
      COUNTERSIGN_TASK_QUEUE: taskQueue,
      COUNTERSIGN_PDNS_API_URL: h.env.pdns.apiUrl,
      COUNTERSIGN_PDNS_API_KEY: h.env.pdns.apiKey,
      COUNTERSIGN_VERIFY_SERVERS: `${h.env.dns.host}:${h.env.dns.port}`,
      COUNTERSIGN_APPROVERS: h.approvers.directoryPath,
      COUNTERSIGN_POLICY: policyFile,
      COUNTERSIGN_EPP_HOST: registry.host,
      COUNTERSIGN_EPP_PORT: String(registry.port),
      COUNTERSIGN_EPP_CLID: us,
      COUNTERSIGN_EPP_PASSWORD_FILE: passwordFile,
      COUNTERSIGN_EPP_CA_FILE: registry.caFile,
      COUNTERSIGN_EPP_CERT_FILE: creds.certFile,
      COUNTERSIGN_EPP_KEY_FILE: creds.keyFile,
      COUNTERSIGN_PARENT_DNS: `${h.env.dns.host}:${h.env.dns.port}`,
      COUNTERSIGN_LOG_LEVEL: 'info',
    },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the worker did not start within 90 s:\n${output}`)),
      90_000,
    );
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code}) before starting:\n${output}`));
    });
  });
  return child;
}

describe('a worker killed between the registry applying an update and its answer (real processes)', () => {
  let h: Harness;
  let registry: RegistryUnderTest;
  let adapter: RegistryConnection;
  before(async () => {
    h = await openHarness();
    registry = registryUnderTest();
    adapter = registryAdapter(registry);
  });
  after(async () => {
    await adapter.close();
    await h.close();
  });

  it('the retry on another worker finds the update made and sends no second changing domain:update', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    await seedDomain(registry, { name: domain, ns: ['ns1.old-host.net', 'ns2.old-host.net'] });
    const cs = h.countersign(id);
    const child = await startWorkerProcess(h, registry, id);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const submitted = await cs.submit(
        exampleRecommendation({
          id,
          zone: `${domain}.`,
          environment: 'staging',
          change: {
            kind: 'registrar.set_nameservers',
            nameservers: ['ns1.new-host.net', 'ns2.new-host.net'],
          },
        }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      // The registry will apply the nameserver update and never answer it.
      await admin(registry, 'POST', '/faults', {
        command: 'domain:update',
        object: domain,
        mode: 'hang-after-apply',
        times: 1,
      });
      const byRole: Record<string, string> = {
        'dns-admin': 'frank@example.com',
        security: 'erin@example.com',
        sre: 'alice@example.com',
      };
      for (const role of waiting.decision?.approvals.roles ?? []) {
        const verdict = await cs.decide(id, {
          key: h.key(byRole[role.role] ?? role.role),
          decision: 'approve',
          reason: 'checked',
          planHash: waiting.approval?.planHash ?? '',
        });
        assert.equal(verdict.verdict.counted, true, verdict.verdict.message);
      }
      const changing = async () =>
        (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).filter(
          (e) =>
            e.object === domain &&
            e.command === 'domain:update' &&
            e.changed &&
            (e.clTRID ?? '').startsWith('CS-'),
        );
      // Applied at the registry, unanswered: now the worker dies.
      await eventually(async () => assert.equal((await changing()).length, 1), 30_000);
      child.kill('SIGKILL');
      await exited;

      const done = await withWorker(h, id, { registry: adapter.port }, () => submitted.handle.result());
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      // The registry keeps no author: the retry takes the domain as its own write (an earlier
      // attempt ran), says so, and never calls it someone else's.
      const executed = done.evidence.find((e) => e.step.startsWith('execute_'));
      assert.equal(executed?.step, 'execute_applied', done.evidence.map((e) => e.step).join(', '));
      assert.equal(
        (executed?.data as { acknowledgementLost?: string }).acknowledgementLost,
        'earlier_attempt',
      );
      assert.match(executed?.summary ?? '', /acknowledgement lost \(inferred: an earlier attempt/);
      assert.equal((await changing()).length, 1, 'exactly one changing domain:update');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});
