import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { demoPorts } from '../../workers/demo/demo-ports';
import { prepareDataDir, staleReason } from '../../workers/preflight/data-dir';
import { requireFreePorts } from '../../workers/preflight/free-ports';
import { findPortHolder, socketInodes } from '../../workers/preflight/port-holder';
import { PreconditionError } from '../../workers/preflight/precondition-error';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { nodeProblem } = require('../../bin/require-node.js') as {
  nodeProblem: (v: string, r: string) => string | null;
};

describe('Node version check', () => {
  const cases: [string, string, boolean][] = [
    ['18.19.0', '>=20.19', false],
    ['20.18.3', '>=20.19', false],
    ['20.19.0', '>=20.19', true],
    ['v20.20.2', '>=20.19', true],
    ['22.0.0', '>=20.19', true],
    ['24.11.1', '>=20.19.1', true],
    ['20.19.0', '>=20.19.1', false],
  ];
  for (const [version, range, ok] of cases) {
    it(`${version} against ${range}: ${ok ? 'accepted' : 'refused'}`, () => {
      const problem = nodeProblem(version, range);
      if (ok) assert.equal(problem, null);
      else
        assert.match(
          problem ?? '',
          new RegExp(
            `this is Node ${version.replace(/^v/, '')}, and countersign needs Node ${range}.*Install`,
          ),
        );
    });
  }
  it('a range it cannot read is reported, not passed', () => {
    assert.match(nodeProblem('20.19.0', '^20') ?? '', /does not understand/);
  });
});

describe('port holder lookup', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1C41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:1C41 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1',
    '   2: 00000000:14B4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 333 2 0 0 0 0 0 0',
  ].join('\n');
  it('finds TCP listeners on the port, not connections to it', () => {
    assert.deepEqual(socketInodes(table, 0x1c41, 'tcp'), ['111']);
  });
  it('finds bound UDP sockets, which have no listen state', () => {
    assert.deepEqual(socketInodes(table, 0x14b4, 'udp'), ['333']);
    assert.deepEqual(socketInodes(table, 0x14b4, 'tcp'), []);
  });
  it('names this process when it holds a loopback port', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const holder = findPortHolder(port, 'tcp');
      assert.equal(holder?.pid, process.pid);
      assert.match(holder?.command ?? '', /node/);
    } finally {
      server.close();
    }
  });
  it('finds nobody on a port nobody holds', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    assert.equal(findPortHolder(port, 'tcp'), undefined);
  });
});

describe('requireFreePorts', () => {
  it('passes when every port is free', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    await requireFreePorts([{ port, protocols: ['tcp', 'udp'], purpose: 'test', variable: 'X_PORT' }]);
  });
  it('names every taken port, its holder and the variable that moves it, in one error', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tcpPort = (server.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const udpPort = udp.address().port;
    try {
      const err = await requireFreePorts([
        { port: tcpPort, protocols: ['tcp'], purpose: 'Temporal frontend', variable: 'A_PORT' },
        { port: udpPort, protocols: ['udp'], purpose: 'PowerDNS DNS', variable: 'B_PORT' },
      ]).then(
        () => assert.fail('taken ports were accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof PreconditionError);
      assert.match(
        err.message,
        new RegExp(`TCP port ${tcpPort} \\(Temporal frontend\\) is held by process ${process.pid} \\(.*node`),
      );
      assert.match(err.message, /A_PORT=<free port>/);
      assert.match(
        err.message,
        new RegExp(`UDP port ${udpPort} \\(PowerDNS DNS\\) is held by process ${process.pid}`),
      );
      assert.match(err.message, /B_PORT=<free port>/);
    } finally {
      server.close();
      udp.close();
    }
  });
});

describe('demo port settings', () => {
  it('defaults when unset or empty', () => {
    const parsed = demoPorts({ COUNTERSIGN_DEMO_UI_PORT: '' });
    assert.ok(parsed.success);
    assert.deepEqual(parsed.data, { temporal: 7233, ui: 8233, pdnsApi: 8081, dns: 5300, s3: 7070 });
  });
  it('takes the variables', () => {
    const parsed = demoPorts({ COUNTERSIGN_DEMO_TEMPORAL_PORT: '17233', COUNTERSIGN_DEMO_DNS_PORT: '15300' });
    assert.ok(parsed.success);
    assert.equal(parsed.data.temporal, 17233);
    assert.equal(parsed.data.dns, 15300);
  });
  const bad: [Record<string, string>, string, RegExp][] = [
    [{ COUNTERSIGN_DEMO_UI_PORT: 'abc' }, 'COUNTERSIGN_DEMO_UI_PORT', /expected a port number/],
    [{ COUNTERSIGN_DEMO_DNS_PORT: '53' }, 'COUNTERSIGN_DEMO_DNS_PORT', /from 1024 to 65535/],
    [{ COUNTERSIGN_DEMO_PDNS_API_PORT: '70000' }, 'COUNTERSIGN_DEMO_PDNS_API_PORT', /from 1024 to 65535/],
    [{ COUNTERSIGN_DEMO_TEMPORAL_PORT: '80.5' }, 'COUNTERSIGN_DEMO_TEMPORAL_PORT', /whole port number/],
    [
      { COUNTERSIGN_DEMO_UI_PORT: '7233' },
      'COUNTERSIGN_DEMO_UI_PORT',
      /already given to COUNTERSIGN_DEMO_TEMPORAL_PORT/,
    ],
  ];
  for (const [env, variable, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming ${variable}`, () => {
      const parsed = demoPorts(env);
      assert.ok(!parsed.success);
      const issue = parsed.error.issues.find((i) => i.path.join('.') === variable);
      assert.ok(issue, JSON.stringify(parsed.error.issues));
      assert.match(issue.message, message);
    });
  }
});

describe('data folder from another version', () => {
  const wanted = { layout: 1, temporal: '1.29.1' };
  const cases: [string, unknown, boolean, RegExp | null][] = [
    ['empty folder', undefined, false, null],
    ['current label', wanted, true, null],
    ['data without a label (older countersign)', undefined, true, /older countersign/],
    ['unreadable label', null, true, /unreadable/],
    ['other layout', { layout: 0, temporal: '1.29.1' }, true, /data layout 0.*layout 1/],
    ['other Temporal server', { layout: 1, temporal: '1.27.0' }, true, /Temporal 1\.27\.0.*1\.29\.1/],
  ];
  for (const [name, found, hasData, reason] of cases) {
    it(`${name}: ${reason === null ? 'reused' : 'stale'}`, () => {
      const got = staleReason(found, hasData, wanted);
      if (reason === null) assert.equal(got, null);
      else assert.match(got ?? '', reason);
    });
  }

  it('moves a stale folder aside whole, never deletes it, and labels the fresh one', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'countersign-data-'));
    const dir = path.join(root, 'demo');
    mkdirSync(path.join(dir, 'temporal'), { recursive: true });
    writeFileSync(path.join(dir, 'temporal', 'temporal.sqlite'), 'old data');
    const result = prepareDataDir(dir, wanted, new Date('2026-12-02T05:00:00Z'));
    assert.equal(result.movedTo, `${dir}.old-20261202T050000`);
    assert.match(result.reason ?? '', /older countersign/);
    assert.equal(readFileSync(path.join(result.movedTo, 'temporal', 'temporal.sqlite'), 'utf8'), 'old data');
    assert.equal(existsSync(path.join(dir, 'temporal')), false);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'countersign-data.json'), 'utf8')), wanted);
    // Labelled now: the next run keeps it.
    writeFileSync(path.join(dir, 'kept'), 'x');
    assert.deepEqual(prepareDataDir(dir, wanted), {});
    assert.equal(readFileSync(path.join(dir, 'kept'), 'utf8'), 'x');
  });
});
