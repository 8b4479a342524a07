import ipaddr from 'ipaddr.js';
import { formatCharacterStrings, parseCharacterStrings } from './txt';
import type { RecordTypeSpec } from './record-types';
import { fail, fields, hostname, ok, parseUint } from './rdata-parts';

/**
 * Record types beyond the everyday ones: DNSSEC (DS, DNSKEY, CDS, CDNSKEY), PTR, DNAME, TLSA,
 * SSHFP, NAPTR, SVCB and HTTPS. Each parses user input and provider or DNS output into the
 * canonical presentation form PowerDNS stores (hex lowercase, SvcParams in key order), so live
 * state and plans compare as plain strings.
 */
/** Hex that may be split by spaces (presentation format allows it); lowercase, or undefined. */
function hexOf(parts: readonly string[]): string | undefined {
  const joined = parts.join('');
  return /^([0-9a-fA-F]{2})+$/.test(joined) ? joined.toLowerCase() : undefined;
}

/** Base64 that may be split by spaces; joined, or undefined. */
function base64Of(parts: readonly string[]): string | undefined {
  const joined = parts.join('');
  return joined.length > 0 && joined.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(joined)
    ? joined
    : undefined;
}

/** Digest sizes per DS digest type (RFC 4034, 4509, 6605): SHA-1, SHA-256, SHA-384. */
export const dsDigestBytes: Readonly<Record<number, number>> = { 1: 20, 2: 32, 4: 48 };

function dsLike(type: 'DS' | 'CDS'): RecordTypeSpec {
  return {
    type,
    singleton: false,
    exclusiveOwner: false,
    allowedAtApex: type === 'CDS',
    parse(input) {
      const expected = `"<key tag 0-65535> <algorithm 1-255> <digest type 1, 2 or 4> <hex digest>" such as "60485 13 2 2bb1…"`;
      const parts = fields(input);
      const keyTag = parseUint(parts[0], 65535);
      const algorithm = parseUint(parts[1], 255);
      const digestType = parseUint(parts[2], 255);
      const digest = hexOf(parts.slice(3));
      if (
        parts.length < 4 ||
        keyTag === undefined ||
        algorithm === undefined ||
        digestType === undefined ||
        digest === undefined
      )
        return fail(expected);
      // CDS "0 0 0 00" asks the parent to remove the DS (RFC 8078).
      if (type === 'CDS' && keyTag === 0 && algorithm === 0 && digestType === 0 && digest === '00')
        return ok('0 0 0 00');
      const size = dsDigestBytes[digestType];
      if (size === undefined)
        return fail(expected, `digest type ${digestType} is not SHA-1 (1), SHA-256 (2) or SHA-384 (4)`);
      if (digest.length !== size * 2)
        return fail(
          expected,
          `a digest of type ${digestType} has ${size} bytes (${size * 2} hex digits), not ${digest.length / 2}`,
        );
      return ok(`${keyTag} ${algorithm} ${digestType} ${digest}`);
    },
  };
}

function dnskeyLike(type: 'DNSKEY' | 'CDNSKEY'): RecordTypeSpec {
  return {
    type,
    singleton: false,
    exclusiveOwner: false,
    allowedAtApex: true,
    // A zone's keys live at its apex; CDNSKEY may also be published below it (child-side signalling).
    ...(type === 'DNSKEY' ? { apexOnly: true } : {}),
    parse(input) {
      const expected = `"<flags 256 or 257> 3 <algorithm> <base64 public key>"`;
      const parts = fields(input);
      const flags = parseUint(parts[0], 65535);
      const protocol = parseUint(parts[1], 255);
      const algorithm = parseUint(parts[2], 255);
      const key = base64Of(parts.slice(3));
      if (type === 'CDNSKEY' && input.trim() === '0 3 0 AA==') return ok('0 3 0 AA==');
      if (parts.length < 4 || flags === undefined || algorithm === undefined || key === undefined)
        return fail(expected);
      if (protocol !== 3) return fail(expected, 'the protocol field is always 3 (RFC 4034)');
      return ok(`${flags} 3 ${algorithm} ${key}`);
    },
  };
}

function hostOnly(type: 'PTR' | 'DNAME', singleton: boolean): RecordTypeSpec {
  return {
    type,
    singleton,
    exclusiveOwner: false,
    allowedAtApex: type === 'DNAME',
    parse(input) {
      const target = hostname(input.trim(), true);
      return target === undefined || target === '.'
        ? fail('a host name such as host.example.com.')
        : ok(target);
    },
  };
}

const tlsaMatchingBytes: Readonly<Record<number, number>> = { 1: 32, 2: 64 };

const tlsa: RecordTypeSpec = {
  type: 'TLSA',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: false,
  parse(input) {
    const expected = '"<usage 0-3> <selector 0-1> <matching type 0-2> <hex data>" such as "3 1 1 0c72…"';
    const parts = fields(input);
    const usage = parseUint(parts[0], 3);
    const selector = parseUint(parts[1], 1);
    const matching = parseUint(parts[2], 2);
    const data = hexOf(parts.slice(3));
    if (
      parts.length < 4 ||
      usage === undefined ||
      selector === undefined ||
      matching === undefined ||
      data === undefined
    )
      return fail(expected);
    const size = tlsaMatchingBytes[matching];
    if (size !== undefined && data.length !== size * 2)
      return fail(expected, `matching type ${matching} carries ${size} bytes, not ${data.length / 2}`);
    return ok(`${usage} ${selector} ${matching} ${data}`);
  },
};

const sshfpBytes: Readonly<Record<number, number>> = { 1: 20, 2: 32 };

const sshfp: RecordTypeSpec = {
  type: 'SSHFP',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const expected = '"<algorithm 1-4 or 6> <fingerprint type 1 or 2> <hex fingerprint>"';
    const parts = fields(input);
    const algorithm = parseUint(parts[0], 255);
    const fpType = parseUint(parts[1], 255);
    const fingerprint = hexOf(parts.slice(2));
    if (parts.length < 3 || algorithm === undefined || fpType === undefined || fingerprint === undefined)
      return fail(expected);
    if (![1, 2, 3, 4, 6].includes(algorithm))
      return fail(expected, `algorithm ${algorithm} is not RSA, DSA, ECDSA, Ed25519 or Ed448`);
    const size = sshfpBytes[fpType];
    if (size === undefined)
      return fail(expected, `fingerprint type ${fpType} is not SHA-1 (1) or SHA-256 (2)`);
    if (fingerprint.length !== size * 2)
      return fail(expected, `a type ${fpType} fingerprint has ${size} bytes, not ${fingerprint.length / 2}`);
    return ok(`${algorithm} ${fpType} ${fingerprint}`);
  },
};

const naptr: RecordTypeSpec = {
  type: 'NAPTR',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const expected = '<order> <preference> "<flags>" "<services>" "<regexp>" <replacement>';
    const match =
      /^\s*(\d{1,5})\s+(\d{1,5})\s+("(?:[^"\\]|\\.)*"\s+"(?:[^"\\]|\\.)*"\s+"(?:[^"\\]|\\.)*")\s+(\S+)\s*$/.exec(
        input,
      );
    const order = parseUint(match?.[1], 65535);
    const preference = parseUint(match?.[2], 65535);
    const strings = match?.[3] === undefined ? 'missing' : parseCharacterStrings(match[3]);
    const replacement = hostname(match?.[4], true);
    if (
      match === null ||
      order === undefined ||
      preference === undefined ||
      typeof strings === 'string' ||
      replacement === undefined
    )
      return fail(expected, typeof strings === 'string' && strings !== 'missing' ? strings : undefined);
    const [flags, services, regexp] = strings as [number[], number[], number[]];
    if (!flags.every((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)))
      return fail(expected, 'flags are letters and digits only');
    if (regexp.length > 0 && replacement !== '.')
      return fail(expected, 'a regexp and a replacement exclude each other: one of them is "" or "."');
    return ok(`${order} ${preference} ${formatCharacterStrings([flags, services, regexp])} ${replacement}`);
  },
};

/** SvcParam keys in wire order (RFC 9460): presentation lists them in this order. */
export const svcParamKeys = [
  'mandatory',
  'alpn',
  'no-default-alpn',
  'port',
  'ipv4hint',
  'ech',
  'ipv6hint',
] as const;

function svcParamValue(key: string, value: string | undefined): string | { problem: string } {
  const list = (value ?? '').split(',');
  switch (key) {
    case 'no-default-alpn':
      return value === undefined ? '' : { problem: 'no-default-alpn takes no value' };
    case 'port':
      return parseUint(value, 65535) === undefined ? { problem: 'port is 0-65535' } : String(Number(value));
    case 'alpn':
      return list.every((id) => /^[A-Za-z0-9._/-]{1,255}$/.test(id))
        ? list.join(',')
        : { problem: 'alpn is a comma list of protocol ids such as h2,h3' };
    case 'ipv4hint':
      return list.every((ip) => ipaddr.IPv4.isValidFourPartDecimal(ip))
        ? list.join(',')
        : { problem: 'ipv4hint is a comma list of IPv4 addresses' };
    case 'ipv6hint':
      return list.every((ip) => ipaddr.IPv6.isValid(ip))
        ? list.map((ip) => ipaddr.IPv6.parse(ip).toRFC5952String()).join(',')
        : { problem: 'ipv6hint is a comma list of IPv6 addresses' };
    case 'ech': {
      // PowerDNS presents the ECH config list quoted.
      const b64 = base64Of([value ?? '']);
      return b64 === undefined ? { problem: 'ech is base64' } : `"${b64}"`;
    }
    case 'mandatory': {
      const known = list.every((k) => (svcParamKeys as readonly string[]).includes(k) && k !== 'mandatory');
      if (!known) return { problem: 'mandatory lists other keys of this record' };
      return [...list]
        .sort((a, b) => svcParamKeys.indexOf(a as never) - svcParamKeys.indexOf(b as never))
        .join(',');
    }
    default:
      return { problem: `unknown key ${key}: use ${svcParamKeys.join(', ')}` };
  }
}

function svcb(type: 'SVCB' | 'HTTPS'): RecordTypeSpec {
  return {
    type,
    singleton: false,
    exclusiveOwner: false,
    allowedAtApex: true,
    parse(input) {
      const expected =
        '"<priority 0-65535> <target or .> [key=value ...]" such as "1 . alpn=h2,h3 port=8443"';
      const parts = fields(input);
      const priority = parseUint(parts[0], 65535);
      const target = hostname(parts[1], true);
      if (parts.length < 2 || priority === undefined || target === undefined) return fail(expected);
      const params = new Map<string, string>();
      for (const token of parts.slice(2)) {
        const [key, ...rest] = token.split('=');
        const raw = rest.length === 0 ? undefined : rest.join('=').replace(/^"(.*)"$/, '$1');
        const value = svcParamValue(key ?? '', raw);
        if (typeof value !== 'string') return fail(expected, value.problem);
        if (params.has(key as string)) return fail(expected, `${key} appears twice`);
        params.set(key as string, value);
      }
      if (priority === 0 && params.size > 0)
        return fail(expected, 'priority 0 (alias mode) takes no parameters');
      const mandatory = params.get('mandatory')?.split(',') ?? [];
      const missing = mandatory.filter((k) => !params.has(k));
      if (missing.length > 0)
        return fail(expected, `mandatory names ${missing.join(', ')}, which the record does not set`);
      const ordered = [...params.entries()]
        .sort(([a], [b]) => svcParamKeys.indexOf(a as never) - svcParamKeys.indexOf(b as never))
        .map(([k, v]) => (k === 'no-default-alpn' ? k : `${k}=${v}`));
      return ok([String(priority), target, ...ordered].join(' '));
    },
  };
}

export const moreRecordTypes: readonly RecordTypeSpec[] = [
  dsLike('DS'),
  dsLike('CDS'),
  dnskeyLike('DNSKEY'),
  dnskeyLike('CDNSKEY'),
  hostOnly('PTR', false),
  hostOnly('DNAME', true),
  tlsa,
  sshfp,
  naptr,
  svcb('SVCB'),
  svcb('HTTPS'),
];
