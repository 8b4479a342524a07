import { XMLParser } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';

/**
 * The EPP messages the registrar client sends (RFC 5730–5733, secDNS-1.1 RFC 5910) and the parts
 * of responses it reads. Names travel without the root dot, as EPP writes them. The test suite
 * checks every frame built here against the IANA schemas with xmllint.
 */

export const ns = {
  epp: 'urn:ietf:params:xml:ns:epp-1.0',
  domain: 'urn:ietf:params:xml:ns:domain-1.0',
  host: 'urn:ietf:params:xml:ns:host-1.0',
  contact: 'urn:ietf:params:xml:ns:contact-1.0',
  secDNS: 'urn:ietf:params:xml:ns:secDNS-1.1',
} as const;

type Node = { [key: string]: unknown };

function frame(body: Node): string {
  return create({ version: '1.0', encoding: 'UTF-8', standalone: false })
    .ele({ epp: { '@xmlns': ns.epp, ...body } })
    .end({ prettyPrint: false });
}

function command(verb: Node, clTRID: string, extension?: Node): string {
  return frame({ command: { ...verb, ...(extension === undefined ? {} : { extension }), clTRID } });
}

/** "shop.example." → "shop.example": EPP names have no root dot. */
export function eppName(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export const hello = (): string => frame({ hello: {} });

export function login(clID: string, pw: string, clTRID: string): string {
  return command(
    {
      login: {
        clID,
        pw,
        options: { version: '1.0', lang: 'en' },
        svcs: {
          objURI: [ns.domain, ns.host, ns.contact],
          svcExtension: { extURI: [ns.secDNS] },
        },
      },
    },
    clTRID,
  );
}

export const logout = (clTRID: string): string => command({ logout: {} }, clTRID);

export function domainInfo(domain: string, clTRID: string, authCode?: string): string {
  return command(
    {
      info: {
        'domain:info': {
          '@xmlns:domain': ns.domain,
          'domain:name': { '@hosts': 'all', '#': eppName(domain) },
          ...(authCode === undefined ? {} : { 'domain:authInfo': { 'domain:pw': authCode } }),
        },
      },
    },
    clTRID,
  );
}

export function domainTransferQuery(domain: string, clTRID: string): string {
  return command(
    {
      transfer: {
        '@op': 'query',
        'domain:transfer': { '@xmlns:domain': ns.domain, 'domain:name': eppName(domain) },
      },
    },
    clTRID,
  );
}

export interface DsData {
  readonly keyTag: number;
  readonly alg: number;
  readonly digestType: number;
  readonly digest: string;
}

/** "12345 13 2 ABCD…" → secDNS dsData. */
export function dsDataOf(presentation: string): DsData {
  const [keyTag, alg, digestType, ...digest] = presentation.trim().split(/\s+/);
  return {
    keyTag: Number(keyTag),
    alg: Number(alg),
    digestType: Number(digestType),
    digest: digest.join('').toUpperCase(),
  };
}

export interface DomainChanges {
  readonly add?: { ns?: string[]; contacts?: { type: string; id: string }[]; statuses?: string[] };
  readonly rem?: { ns?: string[]; contacts?: { type: string; id: string }[]; statuses?: string[] };
  readonly registrant?: string;
  readonly ds?: { add?: string[]; rem?: string[] };
}

function addRem(part: NonNullable<DomainChanges['add']>): Node | undefined {
  const body: Node = {};
  if (part.ns !== undefined && part.ns.length > 0)
    body['domain:ns'] = { 'domain:hostObj': part.ns.map(eppName) };
  if (part.contacts !== undefined && part.contacts.length > 0)
    body['domain:contact'] = part.contacts.map((c) => ({ '@type': c.type, '#': c.id }));
  if (part.statuses !== undefined && part.statuses.length > 0)
    body['domain:status'] = part.statuses.map((s) => ({ '@s': s }));
  return Object.keys(body).length === 0 ? undefined : body;
}

function dsList(records: readonly string[]): Node {
  return {
    'secDNS:dsData': records.map(dsDataOf).map((d) => ({
      'secDNS:keyTag': String(d.keyTag),
      'secDNS:alg': String(d.alg),
      'secDNS:digestType': String(d.digestType),
      'secDNS:digest': d.digest,
    })),
  };
}

export function domainUpdate(domain: string, changes: DomainChanges, clTRID: string): string {
  const add = changes.add === undefined ? undefined : addRem(changes.add);
  const rem = changes.rem === undefined ? undefined : addRem(changes.rem);
  const update: Node = {
    '@xmlns:domain': ns.domain,
    'domain:name': eppName(domain),
    ...(add === undefined ? {} : { 'domain:add': add }),
    ...(rem === undefined ? {} : { 'domain:rem': rem }),
    ...(changes.registrant === undefined
      ? {}
      : { 'domain:chg': { 'domain:registrant': changes.registrant } }),
  };
  const dsAdd = changes.ds?.add ?? [];
  const dsRem = changes.ds?.rem ?? [];
  const extension =
    dsAdd.length === 0 && dsRem.length === 0
      ? undefined
      : {
          'secDNS:update': {
            '@xmlns:secDNS': ns.secDNS,
            ...(dsRem.length === 0 ? {} : { 'secDNS:rem': dsList(dsRem) }),
            ...(dsAdd.length === 0 ? {} : { 'secDNS:add': dsList(dsAdd) }),
          },
        };
  return command({ update: { 'domain:update': update } }, clTRID, extension);
}

export function domainTransfer(
  op: 'request' | 'approve' | 'reject',
  domain: string,
  clTRID: string,
  authCode?: string,
): string {
  return command(
    {
      transfer: {
        '@op': op,
        'domain:transfer': {
          '@xmlns:domain': ns.domain,
          'domain:name': eppName(domain),
          ...(authCode === undefined ? {} : { 'domain:authInfo': { 'domain:pw': authCode } }),
        },
      },
    },
    clTRID,
  );
}

export function hostCheck(hosts: readonly string[], clTRID: string): string {
  return command(
    { check: { 'host:check': { '@xmlns:host': ns.host, 'host:name': hosts.map(eppName) } } },
    clTRID,
  );
}

/** A host object; addresses only for a host inside a domain of the registry (glue). */
export function hostCreate(host: string, clTRID: string, addresses: readonly string[] = []): string {
  return command(
    {
      create: {
        'host:create': {
          '@xmlns:host': ns.host,
          'host:name': eppName(host),
          ...(addresses.length === 0
            ? {}
            : { 'host:addr': addresses.map((a) => ({ '@ip': a.includes(':') ? 'v6' : 'v4', '#': a })) }),
        },
      },
    },
    clTRID,
  );
}

/** A contact object, the least a registry asks for (RFC 5733): used to register domains. */
export function contactCreate(
  contact: { id: string; name: string; org: string; city: string; cc: string; email: string; voice: string },
  authCode: string,
  clTRID: string,
): string {
  return command(
    {
      create: {
        'contact:create': {
          '@xmlns:contact': ns.contact,
          'contact:id': contact.id,
          'contact:postalInfo': {
            '@type': 'int',
            'contact:name': contact.name,
            'contact:org': contact.org,
            'contact:addr': { 'contact:city': contact.city, 'contact:cc': contact.cc },
          },
          'contact:voice': contact.voice,
          'contact:email': contact.email,
          'contact:authInfo': { 'contact:pw': authCode },
        },
      },
    },
    clTRID,
  );
}

/** Registers a domain for a year (RFC 5731 domain:create). */
export function domainCreate(
  domain: { name: string; nameservers: readonly string[]; registrant: string; admin: string; tech: string },
  authCode: string,
  clTRID: string,
): string {
  return command(
    {
      create: {
        'domain:create': {
          '@xmlns:domain': ns.domain,
          'domain:name': eppName(domain.name),
          'domain:period': { '@unit': 'y', '#': '1' },
          'domain:ns': { 'domain:hostObj': domain.nameservers.map(eppName) },
          'domain:registrant': domain.registrant,
          'domain:contact': [
            { '@type': 'admin', '#': domain.admin },
            { '@type': 'tech', '#': domain.tech },
          ],
          'domain:authInfo': { 'domain:pw': authCode },
        },
      },
    },
    clTRID,
  );
}

export const pollRequest = (clTRID: string): string => command({ poll: { '@op': 'req' } }, clTRID);

export const pollAck = (msgID: string, clTRID: string): string =>
  command({ poll: { '@op': 'ack', '@msgID': msgID } }, clTRID);

// --- responses ------------------------------------------------------------------------------

const repeated = new Set([
  'result',
  'status',
  'contact',
  'hostObj',
  'host',
  'dsData',
  'cd',
  'extValue',
  'objURI',
  'extURI',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => repeated.has(name),
});

export interface EppResult {
  readonly code: number;
  readonly message: string;
  /** The registry's reasons (extValue), e.g. which host does not exist. */
  readonly reasons: readonly string[];
}

export interface EppResponse {
  readonly results: readonly EppResult[];
  readonly clTRID?: string;
  readonly svTRID?: string;
  /** The response's resData, namespace prefixes removed. */
  readonly resData?: Node;
  readonly extension?: Node;
  readonly msgQ?: { count: number; id: string; message?: string };
  readonly greeting?: Node;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && '#text' in value)
    return String((value as Node)['#text']);
  return '';
}

/** Reads a response or greeting frame; a frame that is neither is a protocol error. */
export function parseResponse(xml: string): EppResponse {
  const doc = parser.parse(xml) as Node;
  const epp = doc.epp as Node | undefined;
  if (epp === undefined) throw new Error('not an EPP frame: no <epp> element');
  if (epp.greeting !== undefined) return { results: [], greeting: epp.greeting as Node };
  const response = epp.response as Node | undefined;
  if (response === undefined) throw new Error('EPP frame is neither a greeting nor a response');
  const results = ((response.result as Node[] | undefined) ?? []).map((r) => ({
    code: Number(r['@code']),
    message: text(r.msg),
    reasons: ((r.extValue as Node[] | undefined) ?? []).map((v) => text(v.reason)).filter((m) => m !== ''),
  }));
  const trID = response.trID as Node | undefined;
  const msgQ = response.msgQ as Node | undefined;
  return {
    results,
    ...(trID?.clTRID === undefined ? {} : { clTRID: text(trID.clTRID) }),
    ...(trID?.svTRID === undefined ? {} : { svTRID: text(trID.svTRID) }),
    ...(response.resData === undefined ? {} : { resData: response.resData as Node }),
    ...(response.extension === undefined ? {} : { extension: response.extension as Node }),
    ...(msgQ === undefined
      ? {}
      : {
          msgQ: {
            count: Number(msgQ['@count']),
            id: String(msgQ['@id']),
            ...(msgQ.msg === undefined ? {} : { message: text(msgQ.msg) }),
          },
        }),
  };
}

/** What the registrar reads of a domain: never its auth code. */
export interface DomainInfo {
  readonly name: string;
  readonly sponsor: string;
  readonly statuses: readonly string[];
  readonly registrant: string | null;
  readonly contacts: readonly { type: string; id: string }[];
  readonly nameservers: readonly string[];
  /** DS records in presentation format ("keytag alg digesttype DIGEST"). */
  readonly ds: readonly string[];
}

const absolute = (name: string): string => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

export function domainInfoOf(response: EppResponse): DomainInfo {
  const inf = response.resData?.infData as Node | undefined;
  if (inf === undefined) throw new Error('domain:info response without domain:infData');
  const statuses = ((inf.status as Node[] | undefined) ?? []).map((s) => String(s['@s']));
  const contacts = ((inf.contact as Node[] | undefined) ?? []).map((c) => ({
    type: String(c['@type']),
    id: text(c),
  }));
  const nsNode = inf.ns as Node | undefined;
  const nameservers = ((nsNode?.hostObj as unknown[] | undefined) ?? []).map((h) => absolute(text(h)));
  const sec = response.extension?.infData as Node | undefined;
  const ds = ((sec?.dsData as Node[] | undefined) ?? []).map(
    (d) => `${text(d.keyTag)} ${text(d.alg)} ${text(d.digestType)} ${text(d.digest)}`,
  );
  return {
    name: absolute(text(inf.name)),
    sponsor: text(inf.clID),
    statuses,
    registrant: inf.registrant === undefined ? null : text(inf.registrant),
    contacts,
    nameservers,
    ds,
  };
}

export interface TransferInfo {
  readonly name: string;
  readonly status: string;
  readonly requester: string;
  readonly actor: string;
}

export function transferInfoOf(response: EppResponse): TransferInfo | null {
  const trn = response.resData?.trnData as Node | undefined;
  if (trn === undefined) return null;
  return {
    name: absolute(text(trn.name)),
    status: text(trn.trStatus),
    requester: text(trn.reID),
    actor: text(trn.acID),
  };
}

/** Hosts the registry does not know yet (host:check avail="1"). */
export function unknownHosts(response: EppResponse): string[] {
  const chk = response.resData?.chkData as Node | undefined;
  return ((chk?.cd as Node[] | undefined) ?? [])
    .map((cd) => cd.name as Node | string)
    .filter((n) => typeof n === 'object' && ['1', 'true'].includes(String(n['@avail'])))
    .map((n) => absolute(text(n)));
}
