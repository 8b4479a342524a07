import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { XMLParser } from 'fast-xml-parser';
import { encodeFrame, FrameDecoder } from '../../activities/epp/framing';
import { parseHostPort } from '../../workers/config';
import type { RegistrarCredentials, RegistrarsFile } from '../../workers/stack/epp-registry/registrars';
import type { EppRegistryHandle } from '../../workers/stack/epp-registry/registry-process';

/**
 * Test helpers for the EPP registry test double: where `npm test` started it, a tiny EPP client
 * of its own (TLS, RFC 5734 framing, frames written by hand), independent of the product's adapter,
 * the admin API, and response parsing. Frames built here are checked against the IANA schemas with
 * the rest of the frame log, so they must be schema-valid too.
 */

export const eppNs = 'urn:ietf:params:xml:ns:epp-1.0';
export const domainNs = 'urn:ietf:params:xml:ns:domain-1.0';
export const hostNs = 'urn:ietf:params:xml:ns:host-1.0';
export const contactNs = 'urn:ietf:params:xml:ns:contact-1.0';
export const secDnsNs = 'urn:ietf:params:xml:ns:secDNS-1.1';

/** The registry `npm test` started (scripts/run-tests.ts hands it over in the environment). */
export interface RegistryUnderTest {
  readonly host: string;
  readonly port: number;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly frameLogDir: string;
  readonly caFile: string;
  readonly registrars: readonly RegistrarCredentials[];
}

export function registryUnderTest(): RegistryUnderTest {
  const need = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === '')
      throw new Error(`${name} is not set: run the tests with 'npm test', which starts the EPP registry`);
    return value;
  };
  const { host, port } = parseHostPort(need('COUNTERSIGN_TEST_EPP'));
  const dataDir = need('COUNTERSIGN_TEST_EPP_DIR');
  const handout = JSON.parse(readFileSync(path.join(dataDir, 'registrars.json'), 'utf8')) as RegistrarsFile;
  return {
    host,
    port,
    adminUrl: need('COUNTERSIGN_TEST_EPP_ADMIN_URL'),
    adminToken: need('COUNTERSIGN_TEST_EPP_ADMIN_TOKEN'),
    dataDir,
    frameLogDir: need('COUNTERSIGN_TEST_EPP_FRAMES'),
    caFile: handout.caFile,
    registrars: handout.registrars,
  };
}

/** A registry from startEppRegistry, in the same shape. */
export function registryOf(handle: EppRegistryHandle): RegistryUnderTest {
  return {
    host: handle.host,
    port: handle.port,
    adminUrl: handle.adminUrl,
    adminToken: handle.adminToken,
    dataDir: handle.dataDir,
    frameLogDir: handle.frameLogDir ?? '',
    caFile: handle.caFile,
    registrars: handle.registrars,
  };
}

export function registrar(registry: RegistryUnderTest, clID: string): RegistrarCredentials {
  const found = registry.registrars.find((r) => r.clID === clID);
  if (found === undefined) throw new Error(`the registry has no registrar ${clID}`);
  return found;
}

/** One TLS connection speaking EPP frames; the greeting has been read when `open` resolves. */
export class EppTestConnection {
  private readonly decoder = new FrameDecoder();
  private readonly frames: string[] = [];
  private waiting: ((frame: string | undefined) => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;
  greeting = '';

  private constructor(private readonly socket: tls.TLSSocket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.deliver(frame);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
  }

  private deliver(frame: string): void {
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(frame);
    } else this.frames.push(frame);
  }

  static async open(
    registry: { host: string; port: number; caFile: string },
    client: { certFile: string; keyFile: string },
  ): Promise<EppTestConnection> {
    const socket = tls.connect({
      host: registry.host,
      port: registry.port,
      servername: 'localhost',
      ca: readFileSync(registry.caFile),
      cert: readFileSync(client.certFile),
      key: readFileSync(client.keyFile),
    });
    const connection = new EppTestConnection(socket);
    const greeting = await connection.next();
    if (greeting === undefined) throw new Error('the registry closed the connection before its greeting');
    connection.greeting = greeting;
    return connection;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** The next frame from the server, or undefined when the connection closed first. */
  next(timeoutMs = 10_000): Promise<string | undefined> {
    const queued = this.frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no EPP frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
    });
  }

  /** Sends a frame and reads the answer (undefined: the server closed without answering). */
  async request(xml: string): Promise<string | undefined> {
    this.socket.write(encodeFrame(xml));
    return this.next();
  }

  /** Sends a frame whose answer must be a response; returns it parsed. */
  async command(xml: string): Promise<EppResponse> {
    const answer = await this.request(xml);
    if (answer === undefined) throw new Error('the registry closed the connection without answering');
    return parseResponse(answer);
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

/** Logs in (with secDNS unless told otherwise) and checks the answer is 1000. */
export async function openSession(
  registry: RegistryUnderTest,
  clID: string,
  options: { certificateOf?: string; secDns?: boolean } = {},
): Promise<EppTestConnection> {
  const creds = registrar(registry, clID);
  const connection = await EppTestConnection.open(
    registry,
    registrar(registry, options.certificateOf ?? clID),
  );
  const login = await connection.command(
    loginFrame(clID, creds.password, { secDns: options.secDns ?? true }),
  );
  if (login.code !== 1000) throw new Error(`login as ${clID} answered ${login.code}: ${login.reason}`);
  return connection;
}

// ---- frames ------------------------------------------------------------------------------

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

let trid = 0;

/** A unique client transaction id for this test process. */
export function nextClTRID(): string {
  trid += 1;
  return `TEST-${process.pid}-${trid}`;
}

export function eppFrame(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="${eppNs}">${body}</epp>`;
}

export function commandFrame(inner: string, extension = '', clTRID = nextClTRID()): string {
  const ext = extension === '' ? '' : `<extension>${extension}</extension>`;
  return eppFrame(`<command>${inner}${ext}<clTRID>${clTRID}</clTRID></command>`);
}

export function loginFrame(
  clID: string,
  pw: string,
  options: { secDns?: boolean; newPW?: string } = {},
): string {
  const newPW = options.newPW === undefined ? '' : `<newPW>${escapeXml(options.newPW)}</newPW>`;
  const ext = options.secDns === false ? '' : `<svcExtension><extURI>${secDnsNs}</extURI></svcExtension>`;
  return commandFrame(
    `<login><clID>${escapeXml(clID)}</clID><pw>${escapeXml(pw)}</pw>${newPW}<options><version>1.0</version><lang>en</lang></options>` +
      `<svcs><objURI>${domainNs}</objURI><objURI>${hostNs}</objURI><objURI>${contactNs}</objURI>${ext}</svcs></login>`,
  );
}

export const logoutFrame = (): string => commandFrame('<logout/>');
export const helloFrame = (): string => eppFrame('<hello/>');

export function contactCreateFrame(id: string, authInfo: string): string {
  return commandFrame(
    `<create><contact:create xmlns:contact="${contactNs}"><contact:id>${id}</contact:id>` +
      `<contact:postalInfo type="int"><contact:name>Test Holder</contact:name><contact:org>countersign tests</contact:org>` +
      `<contact:addr><contact:street>1 Test Street</contact:street><contact:city>Testville</contact:city><contact:cc>NL</contact:cc></contact:addr></contact:postalInfo>` +
      `<contact:voice>+31.201234567</contact:voice><contact:email>${id}@example.net</contact:email>` +
      `<contact:authInfo><contact:pw>${escapeXml(authInfo)}</contact:pw></contact:authInfo></contact:create></create>`,
  );
}

export function hostCreateFrame(name: string, addrs: readonly string[] = []): string {
  const list = addrs.map((a) => `<host:addr ip="${a.includes(':') ? 'v6' : 'v4'}">${a}</host:addr>`).join('');
  return commandFrame(
    `<create><host:create xmlns:host="${hostNs}"><host:name>${name}</host:name>${list}</host:create></create>`,
  );
}

export interface DsSpec {
  readonly keyTag: number;
  readonly alg: number;
  readonly digestType: number;
  readonly digest: string;
}

export function dsXml(ds: DsSpec): string {
  return `<secDNS:dsData><secDNS:keyTag>${ds.keyTag}</secDNS:keyTag><secDNS:alg>${ds.alg}</secDNS:alg><secDNS:digestType>${ds.digestType}</secDNS:digestType><secDNS:digest>${ds.digest}</secDNS:digest></secDNS:dsData>`;
}

export function domainCreateFrame(spec: {
  name: string;
  ns?: readonly string[];
  registrant?: string;
  contacts?: readonly { type: string; id: string }[];
  authInfo: string;
  ds?: readonly DsSpec[];
}): string {
  const ns =
    spec.ns === undefined || spec.ns.length === 0
      ? ''
      : `<domain:ns>${spec.ns.map((h) => `<domain:hostObj>${h}</domain:hostObj>`).join('')}</domain:ns>`;
  const registrant =
    spec.registrant === undefined ? '' : `<domain:registrant>${spec.registrant}</domain:registrant>`;
  const contacts = (spec.contacts ?? [])
    .map((c) => `<domain:contact type="${c.type}">${c.id}</domain:contact>`)
    .join('');
  const ext =
    spec.ds === undefined || spec.ds.length === 0
      ? ''
      : `<secDNS:create xmlns:secDNS="${secDnsNs}">${spec.ds.map(dsXml).join('')}</secDNS:create>`;
  return commandFrame(
    `<create><domain:create xmlns:domain="${domainNs}"><domain:name>${spec.name}</domain:name><domain:period unit="y">1</domain:period>` +
      `${ns}${registrant}${contacts}<domain:authInfo><domain:pw>${escapeXml(spec.authInfo)}</domain:pw></domain:authInfo></domain:create></create>`,
    ext,
  );
}

export interface DomainUpdateSpec {
  readonly name: string;
  readonly addNs?: readonly string[];
  readonly remNs?: readonly string[];
  readonly addStatus?: readonly string[];
  readonly remStatus?: readonly string[];
  readonly authInfo?: string;
  readonly dsAdd?: readonly DsSpec[];
  readonly dsRem?: readonly DsSpec[];
  readonly dsRemAll?: boolean;
}

export function domainUpdateFrame(spec: DomainUpdateSpec): string {
  const block = (tag: string, ns: readonly string[] | undefined, statuses: readonly string[] | undefined) => {
    const nsXml =
      ns === undefined || ns.length === 0
        ? ''
        : `<domain:ns>${ns.map((h) => `<domain:hostObj>${h}</domain:hostObj>`).join('')}</domain:ns>`;
    const st = (statuses ?? []).map((s) => `<domain:status s="${s}"/>`).join('');
    return nsXml + st === '' ? '' : `<domain:${tag}>${nsXml}${st}</domain:${tag}>`;
  };
  const chg =
    spec.authInfo === undefined
      ? ''
      : `<domain:chg><domain:authInfo><domain:pw>${escapeXml(spec.authInfo)}</domain:pw></domain:authInfo></domain:chg>`;
  const rem =
    spec.dsRemAll === true
      ? '<secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>'
      : spec.dsRem !== undefined
        ? `<secDNS:rem>${spec.dsRem.map(dsXml).join('')}</secDNS:rem>`
        : '';
  const add = spec.dsAdd === undefined ? '' : `<secDNS:add>${spec.dsAdd.map(dsXml).join('')}</secDNS:add>`;
  const ext =
    rem + add === '' ? '' : `<secDNS:update xmlns:secDNS="${secDnsNs}">${rem}${add}</secDNS:update>`;
  return commandFrame(
    `<update><domain:update xmlns:domain="${domainNs}"><domain:name>${spec.name}</domain:name>${block('add', spec.addNs, spec.addStatus)}${block('rem', spec.remNs, spec.remStatus)}${chg}</domain:update></update>`,
    ext,
  );
}

export function domainInfoFrame(name: string, authInfo?: string): string {
  const auth =
    authInfo === undefined
      ? ''
      : `<domain:authInfo><domain:pw>${escapeXml(authInfo)}</domain:pw></domain:authInfo>`;
  return commandFrame(
    `<info><domain:info xmlns:domain="${domainNs}"><domain:name>${name}</domain:name>${auth}</domain:info></info>`,
  );
}

export function domainTransferFrame(op: string, name: string, authInfo?: string): string {
  const auth =
    authInfo === undefined
      ? ''
      : `<domain:authInfo><domain:pw>${escapeXml(authInfo)}</domain:pw></domain:authInfo>`;
  return commandFrame(
    `<transfer op="${op}"><domain:transfer xmlns:domain="${domainNs}"><domain:name>${name}</domain:name>${auth}</domain:transfer></transfer>`,
  );
}

export function pollFrame(op: 'req' | 'ack', msgID?: string): string {
  return commandFrame(`<poll op="${op}"${msgID === undefined ? '' : ` msgID="${msgID}"`}/>`);
}

// ---- responses ---------------------------------------------------------------------------

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) =>
    ['result', 'status', 'hostObj', 'contact', 'dsData', 'host', 'cd', 'extValue'].includes(name),
});

type Tree = Record<string, unknown>;

export interface EppResponse {
  readonly code: number;
  /** The first <extValue><reason>, when any. */
  readonly reason: string | undefined;
  readonly clTRID: string | undefined;
  readonly svTRID: string | undefined;
  /** The parsed <response> (namespace prefixes removed, some elements always arrays). */
  readonly tree: Tree;
  readonly xml: string;
}

export function parseResponse(xml: string): EppResponse {
  const epp = (parser.parse(xml) as Tree).epp as Tree | undefined;
  const response = epp?.response as Tree | undefined;
  if (response === undefined) throw new Error(`not an EPP response: ${xml.slice(0, 200)}`);
  const result = (response.result as Tree[])[0]!;
  const extValue = (result.extValue as Tree[] | undefined)?.[0];
  const reason = extValue?.reason;
  const trID = response.trID as Tree;
  return {
    code: Number(result['@code']),
    reason:
      typeof reason === 'string' ? reason : ((reason as Tree | undefined)?.['#text'] as string | undefined),
    clTRID: trID.clTRID as string | undefined,
    svTRID: trID.svTRID as string | undefined,
    tree: response,
    xml,
  };
}

/** Reads a path of element names from a parsed response, e.g. ['resData', 'infData', 'clID']. */
export function pick(tree: Tree, ...names: string[]): unknown {
  let node: unknown = tree;
  for (const n of names) node = (node as Tree | undefined)?.[n];
  return node;
}

/** Text of an element that may carry attributes. */
export function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  const text = (node as Tree | undefined)?.['#text'];
  return typeof text === 'string' ? text : '';
}

// ---- admin API ---------------------------------------------------------------------------

export async function admin<T = unknown>(
  registry: { adminUrl: string; adminToken: string },
  method: 'GET' | 'POST' | 'DELETE',
  pathname: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${registry.adminUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${registry.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${pathname} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface TransactionEntry {
  readonly at: string;
  readonly clID: string | null;
  readonly clTRID: string | null;
  readonly svTRID: string;
  readonly command: string;
  readonly op?: string;
  readonly object: string | null;
  readonly code: number;
  readonly changed: boolean;
}
