import ipaddr from 'ipaddr.js';
import { moreRecordTypes } from './more-record-types';
import type { RdataResult } from './rdata-parts';
import { fail, fields, hostname, ok, parseUint } from './rdata-parts';
import {
  formatCharacterStrings,
  maxTxtBytes,
  parseCharacterStrings,
  splitPlainText,
  totalBytes,
} from './txt';

export type { RdataResult } from './rdata-parts';

/**
 * What each record type knows about itself. Shared code never branches on a type name: it asks
 * the type. `content` strings are canonical presentation format, as PowerDNS stores them, so live
 * state and plans compare as plain strings.
 */
export interface RecordTypeSpec {
  readonly type: string;
  /** Parses one record's data (user input or provider/DNS output) into canonical form. */
  parse(input: string): RdataResult;
  /** At most one record in the RRset (CNAME). */
  readonly singleton: boolean;
  /** May not share its owner name with other types (CNAME). */
  readonly exclusiveOwner: boolean;
  readonly allowedAtApex: boolean;
  /** Only at the zone apex (DNSKEY: a zone's own keys). */
  readonly apexOnly?: boolean;
}

const a: RecordTypeSpec = {
  type: 'A',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const text = input.trim();
    if (
      !ipaddr.IPv4.isValidFourPartDecimal(text) ||
      text.split('.').some((o) => o.length > 1 && o.startsWith('0'))
    ) {
      return fail('an IPv4 address in dotted-quad form such as 192.0.2.10');
    }
    return ok(text);
  },
};

const aaaa: RecordTypeSpec = {
  type: 'AAAA',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const text = input.trim();
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return fail('an IPv6 address such as 2001:db8::10');
    return ok(ipaddr.IPv6.parse(text).toRFC5952String());
  },
};

function hostTarget(type: string, singleton: boolean, allowedAtApex: boolean): RecordTypeSpec {
  return {
    type,
    singleton,
    exclusiveOwner: singleton,
    allowedAtApex,
    parse(input) {
      const host = hostname(input.trim(), false);
      return host === undefined ? fail('a host name such as target.example.com.') : ok(host);
    },
  };
}

const mx: RecordTypeSpec = {
  type: 'MX',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const parts = fields(input);
    const preference = parseUint(parts[0], 65535);
    const exchange = hostname(parts[1], true);
    if (parts.length !== 2 || preference === undefined || exchange === undefined) {
      return fail('"<preference 0-65535> <mail host>" such as "10 mail.example.com."');
    }
    return ok(`${preference} ${exchange}`);
  },
};

const srv: RecordTypeSpec = {
  type: 'SRV',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: false,
  parse(input) {
    const parts = fields(input);
    const [priority, weight, port] = [0, 1, 2].map((i) => parseUint(parts[i], 65535));
    const target = hostname(parts[3], true);
    if (
      parts.length !== 4 ||
      priority === undefined ||
      weight === undefined ||
      port === undefined ||
      target === undefined
    ) {
      return fail('"<priority> <weight> <port> <target>" such as "10 5 5060 sip.example.com."');
    }
    return ok(`${priority} ${weight} ${port} ${target}`);
  },
};

const caa: RecordTypeSpec = {
  type: 'CAA',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const expected = '"<flags 0-255> <tag> <value>" such as 0 issue "letsencrypt.org"';
    const match = /^\s*(\d{1,3})\s+([a-zA-Z0-9]{1,15})\s+(.+?)\s*$/.exec(input);
    const flags = parseUint(match?.[1], 255);
    const raw = match?.[3];
    if (match === null || flags === undefined || raw === undefined) return fail(expected);
    // The value is one character-string: quoted with RFC 1035 escapes (\X, \DDD), or a bare word.
    const strings = raw.startsWith('"')
      ? parseCharacterStrings(raw)
      : /\s/.test(raw)
        ? 'unquoted value with spaces'
        : splitPlainText(raw);
    if (typeof strings === 'string') return fail(expected, strings);
    if (strings.length !== 1) return fail(expected, 'the value must be a single string of at most 255 bytes');
    return ok(`${flags} ${(match[2] as string).toLowerCase()} ${formatCharacterStrings(strings)}`);
  },
};

const txt: RecordTypeSpec = {
  type: 'TXT',
  singleton: false,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const quoted = input.trimStart().startsWith('"');
    const strings = quoted ? parseCharacterStrings(input) : splitPlainText(input);
    const expected = `text of at most ${maxTxtBytes} bytes, plain or as quoted strings of at most 255 bytes`;
    if (typeof strings === 'string') return fail(expected, strings);
    const size = totalBytes(strings);
    if (size > maxTxtBytes) return fail(expected, `${size} bytes`);
    return ok(formatCharacterStrings(strings));
  },
};

const soa: RecordTypeSpec = {
  type: 'SOA',
  singleton: true,
  exclusiveOwner: false,
  allowedAtApex: true,
  parse(input) {
    const parts = fields(input);
    const mname = hostname(parts[0], false);
    const rname = hostname(parts[1], false);
    const numbers = parts.slice(2).map((p) => parseUint(p, 4294967295));
    if (
      parts.length !== 7 ||
      mname === undefined ||
      rname === undefined ||
      numbers.some((n) => n === undefined)
    ) {
      return fail('"<mname> <rname> <serial> <refresh> <retry> <expire> <minimum>"');
    }
    return ok([mname, rname, ...numbers].join(' '));
  },
};

const specs: readonly RecordTypeSpec[] = [
  a,
  aaaa,
  hostTarget('CNAME', true, false),
  hostTarget('NS', false, true),
  mx,
  txt,
  caa,
  srv,
  soa,
  ...moreRecordTypes,
];

export const recordTypes: ReadonlyMap<string, RecordTypeSpec> = new Map(specs.map((s) => [s.type, s]));

/** Record types a recommendation may name. */
export const recordTypeNames = [
  'A',
  'AAAA',
  'CNAME',
  'NS',
  'MX',
  'TXT',
  'CAA',
  'SRV',
  'SOA',
  'DS',
  'DNSKEY',
  'CDS',
  'CDNSKEY',
  'PTR',
  'DNAME',
  'TLSA',
  'SSHFP',
  'NAPTR',
  'SVCB',
  'HTTPS',
] as const;
export type RecordTypeName = (typeof recordTypeNames)[number];

export function recordTypeSpec(type: string): RecordTypeSpec {
  const spec = recordTypes.get(type);
  if (spec === undefined)
    throw new Error(`unknown record type ${type} (this is a bug: types are validated first)`);
  return spec;
}
