import { createHash } from 'node:crypto';
import { toAbsolute } from '../../src/dns/names';
import type { RRset } from '../../src/plan/plan';

/**
 * A DS record is only worth adding when it matches a key the child zone publishes: a DS that
 * points at no DNSKEY turns a signed delegation bogus for every validating resolver. These
 * compute what RFC 4034 defines: the key tag (appendix B) and the digest over the owner name in
 * canonical wire form followed by the DNSKEY RDATA (section 5.1.4).
 */
const digestAlgorithms: Readonly<Record<number, string>> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

function dnskeyRdata(content: string): { flags: number; algorithm: number; rdata: Buffer } | null {
  const parts = content.trim().split(/\s+/);
  const [flags, protocol, algorithm] = parts.slice(0, 3).map(Number);
  if (flags === undefined || protocol === undefined || algorithm === undefined || parts.length < 4)
    return null;
  const key = Buffer.from(parts.slice(3).join(''), 'base64');
  const rdata = Buffer.alloc(4 + key.length);
  rdata.writeUInt16BE(flags, 0);
  rdata.writeUInt8(protocol, 2);
  rdata.writeUInt8(algorithm, 3);
  key.copy(rdata, 4);
  return { flags, algorithm, rdata };
}

/** Owner name in canonical wire form: lowercase labels, length-prefixed, root-terminated. */
function canonicalWireName(name: string): Buffer {
  const labels = toAbsolute(name)
    .toLowerCase()
    .split('.')
    .filter((l) => l !== '');
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
}

export function keyTag(rdata: Buffer): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? (rdata[i] as number) : (rdata[i] as number) << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** The DS record (presentation form) for a DNSKEY at `owner`, with the given digest type. */
export function dsFor(owner: string, dnskey: string, digestType: 1 | 2 | 4): string | null {
  const key = dnskeyRdata(dnskey);
  const algorithm = digestAlgorithms[digestType];
  if (key === null || algorithm === undefined) return null;
  const digest = createHash(algorithm).update(canonicalWireName(owner)).update(key.rdata).digest('hex');
  return `${keyTag(key.rdata)} ${key.algorithm} ${digestType} ${digest}`;
}

/** The DS records of `ds` that match none of the child's DNSKEYs (empty: every one matches). */
export function unmatchedDs(owner: string, ds: readonly string[], dnskeys: RRset | null): string[] {
  const keys = dnskeys?.records ?? [];
  return ds.filter((record) => {
    const digestType = Number(record.split(/\s+/)[2]);
    if (digestType !== 1 && digestType !== 2 && digestType !== 4) return true;
    return !keys.some((key) => dsFor(owner, key, digestType) === record);
  });
}

/** Key tags of a DNSKEY RRset, for messages. */
export function keyTags(dnskeys: RRset | null): number[] {
  return (dnskeys?.records ?? [])
    .map((k) => dnskeyRdata(k))
    .filter((k) => k !== null)
    .map((k) => keyTag(k.rdata));
}

/** The DS records that match at least one of `keys` (presentation form). */
function matching(owner: string, ds: readonly string[], keys: readonly string[]): string[] {
  const rrset = { name: owner, type: 'DNSKEY', ttl: 0, records: [...keys] };
  const unmatched = new Set(unmatchedDs(owner, ds, rrset));
  return ds.filter((d) => !unmatched.has(d));
}

/**
 * How a DNSKEY or DS plan would break a working chain of trust, given what DNS serves now: the
 * parent's DS for a zone whose keys change, or the child's keys for a DS change. Null when the
 * chain stays intact (or there was none to break).
 */
export function chainBreak(
  plan: {
    readonly type: string;
    readonly name: string;
    readonly before: RRset | null;
    readonly after: RRset | null;
  },
  served: RRset | null,
): string | null {
  const before = plan.before?.records ?? [];
  const after = plan.after?.records ?? [];
  if (plan.type === 'DNSKEY') {
    const ds = served?.records ?? [];
    if (matching(plan.name, ds, before).length === 0) return null;
    if (matching(plan.name, ds, after).length > 0) return null;
    return `the parent's DS (${ds.join('; ')}) would match none of ${plan.name}'s keys: validating resolvers would treat the zone as bogus`;
  }
  if (plan.type === 'DS') {
    const keys = served?.records ?? [];
    if (keys.length === 0 || matching(plan.name, before, keys).length === 0) return null;
    if (matching(plan.name, after, keys).length > 0) return null;
    return after.length === 0
      ? `removes the last DS of ${plan.name}, which is signed (key tags ${keyTags(served).join(', ')}): the delegation becomes insecure`
      : `no DS left would match a key ${plan.name} publishes (key tags ${keyTags(served).join(', ')}): the delegation becomes bogus`;
  }
  return null;
}
