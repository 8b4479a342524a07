import dgram from 'node:dgram';
import net from 'node:net';
import type { Answer, Packet } from 'dns-packet';
import * as dnsPacket from 'dns-packet';
import { formatCharacterStrings } from '../../src/dns/txt';
import { recordTypeSpec } from '../../src/dns/record-types';
import { toAbsolute } from '../../src/dns/names';
import { dnskeyFromWire, dsFromWire, svcbFromWire, wireTypeNames } from './rdata-wire';
import type { RRset } from '../../src/plan/plan';

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export interface RrsetAnswer {
  readonly server: string;
  readonly rcode: string;
  readonly authoritative: boolean;
  /** The server referred to a child zone (a delegation's NS), rather than answering for itself. */
  readonly referral: boolean;
  readonly rrset: RRset | null;
}

let nextId = 1;

/** Decodes a response and checks it answers our query; a stray or malformed packet is an error, not a crash. */
function decodeReply(data: Buffer, id: number, stream: boolean): Packet {
  const packet = stream ? dnsPacket.streamDecode(data) : dnsPacket.decode(data);
  if (packet.id !== id) throw new Error(`reply id ${String(packet.id)} does not match query id ${id}`);
  return packet;
}

function udpQuery(server: DnsServer, message: Buffer, id: number, timeoutMs: number): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const finish = (err: Error | null, packet?: Packet) => {
      clearTimeout(timer);
      socket.close();
      if (err !== null) reject(err);
      else resolve(packet as Packet);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${server.host}:${server.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (err) => finish(err));
    socket.on('message', (data) => {
      try {
        finish(null, decodeReply(data, id, false));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.send(message, server.port, server.host);
  });
}

function tcpQuery(server: DnsServer, message: Buffer, id: number, timeoutMs: number): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, packet?: Packet) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err !== null) reject(err);
      else resolve(packet as Packet);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`TCP query to ${server.host}:${server.port} timed out`)),
    );
    socket.on('connect', () =>
      socket.write(Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message])),
    );
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= buffer.readUInt16BE(0) + 2) {
        try {
          finish(null, decodeReply(buffer, id, true));
        } catch (err) {
          finish(err as Error);
        }
      }
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () =>
      finish(new Error(`${server.host}:${server.port} closed the TCP connection before answering`)),
    );
  });
}

const bytes = (text: string) => Array.from(Buffer.from(text, 'utf8'));

/** Presentation form of one answer's data, canonicalised by the record type itself. */
function answerContent(answer: Answer, type: string): string {
  const data = (answer as { data: unknown }).data;
  let text: string;
  switch (type) {
    case 'DS': {
      const ds = data as { keyTag: number; algorithm: number; digestType: number; digest: Buffer };
      text = `${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${ds.digest.toString('hex')}`;
      break;
    }
    case 'DNSKEY': {
      const key = data as { flags: number; algorithm: number; key: Buffer };
      text = `${key.flags} 3 ${key.algorithm} ${key.key.toString('base64')}`;
      break;
    }
    case 'CDS':
      text = dsFromWire(data as Buffer);
      break;
    case 'CDNSKEY':
      text = dnskeyFromWire(data as Buffer);
      break;
    case 'SVCB':
    case 'HTTPS':
      text = svcbFromWire(data as Buffer);
      break;
    case 'TLSA': {
      const tlsa = data as { usage: number; selector: number; matchingType: number; certificate: Buffer };
      text = `${tlsa.usage} ${tlsa.selector} ${tlsa.matchingType} ${tlsa.certificate.toString('hex')}`;
      break;
    }
    case 'SSHFP': {
      const fp = data as { algorithm: number; hash: number; fingerprint: string };
      text = `${fp.algorithm} ${fp.hash} ${fp.fingerprint}`;
      break;
    }
    case 'NAPTR': {
      const n = data as {
        order: number;
        preference: number;
        flags: string;
        services: string;
        regexp: string;
        replacement: string;
      };
      text = `${n.order} ${n.preference} ${formatCharacterStrings([bytes(n.flags), bytes(n.services), bytes(n.regexp)])} ${n.replacement === '' ? '.' : n.replacement}`;
      break;
    }
    case 'TXT':
      text = formatCharacterStrings((data as Buffer[]).map((b) => Array.from(b)));
      break;
    case 'MX': {
      const mx = data as { preference: number; exchange: string };
      text = `${mx.preference} ${mx.exchange === '' ? '.' : mx.exchange}`;
      break;
    }
    case 'SRV': {
      const srv = data as { priority: number; weight: number; port: number; target: string };
      text = `${srv.priority} ${srv.weight} ${srv.port} ${srv.target === '' ? '.' : srv.target}`;
      break;
    }
    case 'CAA': {
      const caa = data as { flags: number; tag: string; value: string };
      text = `${caa.flags} ${caa.tag} ${formatCharacterStrings([Array.from(Buffer.from(caa.value, 'utf8'))])}`;
      break;
    }
    case 'SOA': {
      const soa = data as {
        mname: string;
        rname: string;
        serial: number;
        refresh: number;
        retry: number;
        expire: number;
        minimum: number;
      };
      text = [soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].join(' ');
      break;
    }
    default:
      text = String(data);
  }
  const parsed = recordTypeSpec(type).parse(text);
  return parsed.ok ? parsed.content : text;
}

/**
 * Asks one authoritative server for exactly `name`/`type` (no recursion) and returns the RRset it
 * serves. Falls back to TCP when the UDP answer is truncated.
 */
export async function queryRrset(
  server: DnsServer,
  name: string,
  type: string,
  timeoutMs = 2000,
): Promise<RrsetAnswer> {
  const owner = toAbsolute(name);
  nextId = (nextId % 65535) + 1;
  const id = nextId;
  const message = dnsPacket.encode({
    type: 'query',
    id,
    flags: 0,
    questions: [{ type: (wireTypeNames[type] ?? type) as 'A', name: owner.slice(0, -1) }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as unknown as Answer],
  });
  let response = await udpQuery(server, message, id, timeoutMs);
  if (((response.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0)
    response = await tcpQuery(server, message, id, timeoutMs);
  const matching = (records: readonly Answer[] | undefined) =>
    (records ?? []).filter((a) => a.type === (wireTypeNames[type] ?? type) && toAbsolute(a.name) === owner);
  let answers = matching(response.answers);
  // A delegation (NS below the apex) is served as a referral: not authoritative, NS in the authority section.
  const referral = answers.length === 0 && type === 'NS' && matching(response.authorities).length > 0;
  if (referral) answers = matching(response.authorities);
  const first = answers[0];
  return {
    server: `${server.host}:${server.port}`,
    rcode: (response as { rcode?: string }).rcode ?? 'NOERROR',
    authoritative: ((response.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
    referral,
    rrset:
      first === undefined
        ? null
        : {
            name: owner,
            type,
            ttl: ('ttl' in first ? first.ttl : undefined) ?? 0,
            records: answers.map((a) => answerContent(a, type)).sort(),
          },
  };
}
