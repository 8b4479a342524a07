import dgram from 'node:dgram';
import net from 'node:net';
import type { DnsServer } from '../../activities/dns/query';

/** What the proxy does with each query: forward it, swallow it (a server that is down), or answer SERVFAIL. */
export type FaultMode = 'pass' | 'drop' | 'servfail';

export interface DnsFaultProxy {
  readonly address: DnsServer;
  mode: FaultMode;
  /** Queries seen per mode, to prove a fault was really exercised. */
  readonly seen: Record<FaultMode, number>;
  close(): Promise<void>;
}

/** A DNS reply with the query's id and question and RCODE SERVFAIL. */
function servfail(query: Buffer): Buffer {
  const reply = Buffer.from(query);
  reply[2] = ((reply[2] ?? 0) | 0x80) & 0xf9; // QR set, AA and TC clear
  reply[3] = ((reply[3] ?? 0) & 0xf0) | 2;
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  return reply;
}

/**
 * A loopback UDP+TCP proxy in front of a real authoritative server that can be switched to fail:
 * the verification side of an outage, without stopping the server the writes go to.
 */
export async function startDnsFaultProxy(target: DnsServer): Promise<DnsFaultProxy> {
  const seen: Record<FaultMode, number> = { pass: 0, drop: 0, servfail: 0 };
  const udp = dgram.createSocket('udp4');
  const tcp = net.createServer();
  const proxy: DnsFaultProxy = {
    address: { host: '127.0.0.1', port: 0 },
    mode: 'pass',
    seen,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  udp.on('message', (query, client) => {
    seen[proxy.mode] += 1;
    if (proxy.mode === 'drop') return;
    if (proxy.mode === 'servfail') {
      udp.send(servfail(query), client.port, client.address);
      return;
    }
    const upstream = dgram.createSocket('udp4');
    const timer = setTimeout(() => upstream.close(), 5000);
    upstream.on('message', (reply) => {
      clearTimeout(timer);
      udp.send(reply, client.port, client.address);
      upstream.close();
    });
    upstream.send(query, target.port, target.host);
  });
  tcp.on('connection', (socket) => {
    socket.on('error', () => socket.destroy());
    if (proxy.mode === 'drop') {
      seen.drop += 1;
      socket.destroy();
      return;
    }
    if (proxy.mode === 'servfail') {
      seen.servfail += 1;
      socket.once('data', (data) => {
        const reply = servfail(data.subarray(2));
        socket.end(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
      });
      return;
    }
    seen.pass += 1;
    const upstream = net.connect({ host: target.host, port: target.port });
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', resolve);
  });
  (proxy as { address: DnsServer }).address = { host: '127.0.0.1', port };
  return proxy;
}
