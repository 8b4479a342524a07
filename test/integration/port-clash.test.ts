import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { testEnv } from '../helpers/env';
import { portWasTaken, withPortRetry } from '../../workers/stack/port-retry';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';

describe('withPortRetry', () => {
  const taken = new Error(
    'PowerDNS API did not start: … Unable to bind to TCP socket 127.0.0.1:1: Address already in use',
  );

  it('starts again while a port was taken, up to the attempts given', async () => {
    let calls = 0;
    const result = await withPortRetry(3, () => {
      calls += 1;
      return calls < 3 ? Promise.reject(taken) : Promise.resolve('up');
    });
    assert.equal(result, 'up');
    assert.equal(calls, 3);
  });

  it('gives up after the last attempt with the server’s own error', async () => {
    let calls = 0;
    await assert.rejects(
      withPortRetry(2, () => {
        calls += 1;
        return Promise.reject(taken);
      }),
      (err: Error) => err === taken,
    );
    assert.equal(calls, 2);
  });

  it('does not retry any other failure', async () => {
    let calls = 0;
    const other = new Error('pdns_server: command not found');
    await assert.rejects(
      withPortRetry(3, () => {
        calls += 1;
        return Promise.reject(other);
      }),
      (err: Error) => err === other,
    );
    assert.equal(calls, 1);
  });
});

describe('a real PowerDNS on a taken port', () => {
  it('fails in words portWasTaken recognises, so the stack picks new ports', async () => {
    const env = testEnv();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const err = await startPowerDns({
        dir: path.join(env.dataDir, `pdns-port-clash-${process.pid}`),
        apiPort: await freePort(),
        dnsPort: port,
      }).then(
        async (server) => {
          await server.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, 'PowerDNS started on a port another socket holds');
      assert.ok(portWasTaken(err), err.message);
    } finally {
      holder.close();
    }
  });
});
