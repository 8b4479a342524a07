import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { testEnv } from '../helpers/env';

const root = path.join(__dirname, '..', '..');

/** Runs a project entry point as `npm run …` does, with a clean set of our variables. */
function runEntry(file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('COUNTERSIGN_')),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file)], {
      cwd: root,
      env: { ...base, CI: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const stackFrame = /\n\s+at .+:\d+:\d+/;

describe('what a newcomer sees when a precondition fails', () => {
  it('demo: a taken port names its holder and the variable, exits 8, no stack trace, starts nothing', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const run = await runEntry('workers/demo.ts', { COUNTERSIGN_DEMO_UI_PORT: String(port) });
      assert.equal(run.code, 8, run.out);
      assert.match(
        run.out,
        new RegExp(`TCP port ${port} \\(Temporal Web UI\\) is held by process ${process.pid}`),
      );
      assert.match(run.out, /COUNTERSIGN_DEMO_UI_PORT=<free port>/);
      assert.doesNotMatch(run.out, stackFrame);
      assert.doesNotMatch(run.out, /starting Temporal dev server/);
    } finally {
      holder.close();
    }
  });

  it('demo: a malformed port variable is named with what was expected', async () => {
    const run = await runEntry('workers/demo.ts', { COUNTERSIGN_DEMO_TEMPORAL_PORT: 'seventy' });
    assert.equal(run.code, 8, run.out);
    assert.match(run.out, /COUNTERSIGN_DEMO_TEMPORAL_PORT: expected a port number/);
    assert.doesNotMatch(run.out, stackFrame);
  });

  it('worker: no PowerDNS key configured says which variables to set', async () => {
    const run = await runEntry('workers/main.ts', {});
    assert.equal(run.code, 8, run.out);
    assert.match(run.out, /COUNTERSIGN_PDNS_API_KEY or COUNTERSIGN_PDNS_API_KEY_FILE must be set/);
    assert.doesNotMatch(run.out, stackFrame);
  });

  it('worker: refuses the evidence key, which belongs to the exporter alone', async () => {
    const run = await runEntry('workers/main.ts', {
      COUNTERSIGN_PDNS_API_KEY: 'test-only',
      COUNTERSIGN_EVIDENCE_KEY_FILE: '/somewhere/evidence-key.pem',
    });
    assert.equal(run.code, 8, run.out);
    assert.match(run.out, /belongs to the exporter alone.*npm run exporter/);
    assert.doesNotMatch(run.out, stackFrame);
  });

  it('exporter: without a key or a store it says what to set, before connecting anywhere', async () => {
    const noKey = await runEntry('workers/exporter-main.ts', {});
    assert.equal(noKey.code, 8, noKey.out);
    assert.match(noKey.out, /COUNTERSIGN_EVIDENCE_KEY_FILE is not set.*countersign keys generate/);
    const badKey = await runEntry('workers/exporter-main.ts', {
      COUNTERSIGN_EVIDENCE_KEY_FILE: '/nonexistent/key.pem',
    });
    assert.equal(badKey.code, 8, badKey.out);
    assert.match(badKey.out, /cannot read the evidence key \/nonexistent\/key.pem \(ENOENT\)/);
    assert.doesNotMatch(badKey.out, stackFrame);
  });

  it('worker: an unreadable key file is named', async () => {
    const run = await runEntry('workers/main.ts', { COUNTERSIGN_PDNS_API_KEY_FILE: '/nonexistent/pdns-key' });
    assert.equal(run.code, 8, run.out);
    assert.match(run.out, /COUNTERSIGN_PDNS_API_KEY_FILE=\/nonexistent\/pdns-key cannot be read \(ENOENT\)/);
  });

  it('worker: a namespace without the search attributes changes set names each, with the command to create it', async () => {
    const env = testEnv();
    const namespace = `bare-${process.pid}`;
    execFileSync(env.temporalBin, [
      'operator',
      'namespace',
      'create',
      '--namespace',
      namespace,
      '--address',
      env.temporalAddress,
    ]);
    const run = await runEntry('workers/main.ts', {
      COUNTERSIGN_PDNS_API_KEY: 'test-key-not-secret',
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
    });
    assert.equal(run.code, 8, run.out);
    assert.match(
      run.out,
      new RegExp(
        `namespace "${namespace}" lacks the search attribute\\(s\\) CountersignZone, .*CountersignHold`,
      ),
    );
    assert.match(
      run.out,
      new RegExp(
        `temporal operator search-attribute create --namespace ${namespace} --name CountersignHold --type Keyword`,
      ),
    );
    assert.doesNotMatch(run.out, stackFrame);
  });

  it('worker: Temporal not reachable says how to point at it', async () => {
    const run = await runEntry('workers/main.ts', {
      COUNTERSIGN_PDNS_API_KEY: 'test-key-not-secret',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    assert.equal(run.code, 8, run.out);
    assert.match(run.out, /cannot reach Temporal at 127\.0\.0\.1:1/);
    assert.match(run.out, /TEMPORAL_ADDRESS/);
    assert.doesNotMatch(run.out, stackFrame);
  });
});
