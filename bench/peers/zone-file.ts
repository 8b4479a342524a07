import { stringify } from 'yaml';
import type { RRset } from '../../src/plan/plan';
import { toAbsolute } from '../../src/dns/names';

/**
 * The pure part of the peer benchmark: a zone's RRsets (PowerDNS presentation format, as
 * workers/demo/seed.ts seeds them) rendered as an octoDNS YamlProvider zone file, so that octoDNS
 * sees the zone exactly as PowerDNS holds it. Each value is shaped the way octodns-powerdns 1.2
 * reads the same RRset back from PowerDNS (its `_data_for_<type>`), so a zone file made from
 * PowerDNS's own RRsets plans no change, and one with a changed RRset plans exactly one.
 */

export type OctodnsValue = string | Readonly<Record<string, string | number>>;

export interface OctodnsRecord {
  readonly type: string;
  readonly ttl: number;
  /** One value ... */
  readonly value?: OctodnsValue;
  /** ... or several (never both). */
  readonly values?: readonly OctodnsValue[];
}

/** The zone file's top level: relative name ('' for the apex) to one record or a list of them. */
export type OctodnsZone = Record<string, OctodnsRecord | OctodnsRecord[]>;

/** The types the benchmark's zones hold; octoDNS ignores SOA (PowerDNS keeps it), so it is left out. */
export const octodnsTypes = ['A', 'AAAA', 'CNAME', 'NS', 'MX', 'TXT', 'SRV', 'CAA', 'PTR'] as const;

/** `name` relative to `zone`: '' at the apex; an error outside the zone. */
export function relativeName(name: string, zone: string): string {
  const owner = toAbsolute(name);
  const origin = toAbsolute(zone);
  if (owner === origin) return '';
  if (!owner.endsWith(`.${origin}`)) throw new Error(`${owner} is not inside the zone ${origin}`);
  return owner.slice(0, -(origin.length + 1));
}

/** Splits at the first `count` runs of blanks: `fields('10 5 5060 sip.', 4)`. */
function fields(content: string, count: number, type: string): string[] {
  const parts: string[] = [];
  let rest = content.trim();
  for (let i = 1; i < count; i += 1) {
    const match = /^(\S+)\s+/.exec(rest);
    if (match === null)
      throw new Error(`${type} content ${JSON.stringify(content)} has fewer than ${count} fields`);
    parts.push(match[1] as string);
    rest = rest.slice(match[0].length);
  }
  parts.push(rest);
  return parts;
}

function integer(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${what} ${JSON.stringify(text)} is not an unsigned integer`);
  return Number(text);
}

/** Strips the outer quotes the way octodns-powerdns does (`content[1:-1]`). */
function unquote(content: string, type: string): string {
  if (content.length < 2 || !content.startsWith('"') || !content.endsWith('"'))
    throw new Error(`${type} content ${JSON.stringify(content)} is not a quoted string`);
  return content.slice(1, -1);
}

/** octoDNS refuses unescaped semicolons in TXT values; octodns-powerdns escapes them on read. */
function escapeSemicolons(value: string): string {
  return value.replace(/(?<!\\);/g, '\\;');
}

/** One PowerDNS record content as the value octoDNS holds for it. */
export function octodnsValue(type: string, content: string): OctodnsValue {
  switch (type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return content;
    case 'MX': {
      const [preference, exchange] = fields(content, 2, type) as [string, string];
      return { preference: integer(preference, 'MX preference'), exchange };
    }
    case 'SRV': {
      const [priority, weight, port, target] = fields(content, 4, type) as [string, string, string, string];
      return {
        priority: integer(priority, 'SRV priority'),
        weight: integer(weight, 'SRV weight'),
        port: integer(port, 'SRV port'),
        target,
      };
    }
    case 'CAA': {
      const [flags, tag, value] = fields(content, 3, type) as [string, string, string];
      return { flags: integer(flags, 'CAA flags'), tag, value: unquote(value, type) };
    }
    case 'TXT':
      return escapeSemicolons(unquote(content, type));
    default:
      throw new Error(`the peer benchmark does not render ${type} records for octoDNS`);
  }
}

/** octoDNS keeps exactly one value for CNAME (`value`); the other types take a list. */
function octodnsRecord(rrset: RRset): OctodnsRecord {
  const values = rrset.records.map((content) => octodnsValue(rrset.type, content));
  if (values.length === 0) throw new Error(`${rrset.name} ${rrset.type} has no records`);
  if (rrset.type === 'CNAME' && values.length !== 1)
    throw new Error(`${rrset.name} CNAME has ${values.length} records; a CNAME has exactly one`);
  const [only] = values;
  return values.length === 1 && only !== undefined
    ? { type: rrset.type, ttl: rrset.ttl, value: only }
    : { type: rrset.type, ttl: rrset.ttl, values };
}

/**
 * The zone's records grouped by relative name, in the order the RRsets come (first appearance of
 * a name); a name with one RRset maps to a record, one with several to a list. SOA is skipped.
 */
export function octodnsZone(zone: string, rrsets: readonly RRset[]): OctodnsZone {
  const grouped = new Map<string, OctodnsRecord[]>();
  for (const rrset of rrsets) {
    if (rrset.type === 'SOA') continue;
    const name = relativeName(rrset.name, zone);
    const list = grouped.get(name) ?? [];
    if (list.some((r) => r.type === rrset.type)) throw new Error(`${rrset.name} ${rrset.type} appears twice`);
    list.push(octodnsRecord(rrset));
    grouped.set(name, list);
  }
  const out: OctodnsZone = {};
  for (const [name, list] of grouped) out[name] = list.length === 1 ? (list[0] as OctodnsRecord) : list;
  return out;
}

/** The zone file's text (YAML). Keys are not in octoDNS's natural order: the config sets enforce_order false. */
export function renderOctodnsZone(zone: string, rrsets: readonly RRset[]): string {
  return `---\n${stringify(octodnsZone(zone, rrsets), { lineWidth: 0 })}`;
}
