/**
 * DNSControl as a peer, used only when a `dnscontrol` binary is on PATH (it cannot be installed
 * here: the Go module proxy refuses its module). UNTESTED HERE: no run of this file against a real
 * DNSControl has been made on the development machine; the dnsconfig.js rendering is unit-tested,
 * and the commands, flags and report format follow DNSControl v4's documentation. If a run fails,
 * its log (dnscontrol.log in the work folder) says why.
 *
 * What DNSControl needs to see the zone as PowerDNS holds it (docs/REFERENCE: its PowerDNS
 * provider deletes the SOA unless SOA() is declared, and sets the apex NS TTL to 300 unless
 * NAMESERVER_TTL is set): SOA() with PowerDNS's own SOA fields, NAMESERVER() for each apex NS with
 * NAMESERVER_TTL, and every other record with its TTL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RRset } from '../../src/plan/plan';
import { toAbsolute } from '../../src/dns/names';
import { parseCharacterStrings } from '../../src/dns/txt';
import type { PeerTool } from './peer-tool';
import { runTool } from './run-tool';
import { relativeName } from './zone-file';

const keyVariable = 'COUNTERSIGN_BENCH_PDNS_API_KEY';
const runLimitMs = 30 * 60_000;

/** The `dnscontrol` on PATH, or undefined. */
export function findDnscontrol(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'dnscontrol');
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore', timeout: 10_000 });
      return candidate;
    } catch {
      // not here, or not runnable
    }
  }
  return undefined;
}

const js = (text: string) => JSON.stringify(text);

function words(content: string, count: number, type: string): string[] {
  const parts = content.trim().split(/\s+/);
  if (parts.length < count) throw new Error(`${type} content ${js(content)} has fewer than ${count} fields`);
  return [...parts.slice(0, count - 1), parts.slice(count - 1).join(' ')];
}

function txtStrings(content: string): string[] {
  const parsed = parseCharacterStrings(content);
  if (typeof parsed === 'string') throw new Error(`TXT content ${js(content)}: ${parsed}`);
  return parsed.map((bytes) => Buffer.from(bytes).toString('utf8'));
}

/** One record as a DNSControl domain-modifier call, e.g. `A("www", "192.0.2.10", TTL(300))`. */
function recordCall(label: string, type: string, ttl: number, content: string): string {
  const name = js(label === '' ? '@' : label);
  const ttlMod = `TTL(${ttl})`;
  switch (type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return `${type}(${name}, ${js(content)}, ${ttlMod})`;
    case 'MX': {
      const [preference, exchange] = words(content, 2, type);
      return `MX(${name}, ${Number(preference)}, ${js(exchange as string)}, ${ttlMod})`;
    }
    case 'SRV': {
      const [priority, weight, port, target] = words(content, 4, type);
      return `SRV(${name}, ${Number(priority)}, ${Number(weight)}, ${Number(port)}, ${js(target as string)}, ${ttlMod})`;
    }
    case 'CAA': {
      const [flags, tag, value] = words(content, 3, type) as [string, string, string];
      const [text] = txtStrings(value);
      if (flags !== '0' && flags !== '128')
        throw new Error(`CAA flags ${flags}: DNSControl only sets 0 or 128`);
      return `CAA(${name}, ${js(tag)}, ${js(text ?? '')}, ${flags === '128' ? 'CAA_CRITICAL, ' : ''}${ttlMod})`;
    }
    case 'TXT': {
      const strings = txtStrings(content);
      return `TXT(${name}, ${strings.length === 1 ? js(strings[0] as string) : JSON.stringify(strings)}, ${ttlMod})`;
    }
    default:
      throw new Error(`the peer benchmark does not render ${type} records for DNSControl`);
  }
}

/**
 * dnsconfig.js for one zone: the whole zone (SOA and apex NS included) on PowerDNS, registrar none.
 * Pure, so it is unit-tested even where DNSControl is absent.
 */
export function renderDnsconfig(zone: string, rrsets: readonly RRset[]): string {
  const origin = toAbsolute(zone);
  const lines: string[] = [];
  const soa = rrsets.find((r) => r.type === 'SOA' && toAbsolute(r.name) === origin);
  if (soa === undefined) throw new Error(`${origin} has no SOA among the RRsets: DNSControl would delete it`);
  const [mname, rname, , refresh, retry, expire, minimum] = words(soa.records[0] ?? '', 7, 'SOA');
  lines.push(
    `SOA("@", ${js(mname as string)}, ${js(rname as string)}, ${Number(refresh)}, ${Number(retry)}, ${Number(expire)}, ${Number(minimum)}, TTL(${soa.ttl}))`,
  );
  const apexNs = rrsets.find((r) => r.type === 'NS' && toAbsolute(r.name) === origin);
  if (apexNs !== undefined) {
    lines.push(`NAMESERVER_TTL(${apexNs.ttl})`);
    for (const ns of apexNs.records) lines.push(`NAMESERVER(${js(ns)})`);
  }
  for (const rrset of rrsets) {
    if (rrset === soa || rrset === apexNs) continue;
    const label = relativeName(rrset.name, zone);
    for (const content of rrset.records) lines.push(recordCall(label, rrset.type, rrset.ttl, content));
  }
  return [
    '// Written by bench/peers/dnscontrol.ts: the whole zone, as PowerDNS holds it.',
    'var REG_NONE = NewRegistrar("none");',
    'var DSP_PDNS = NewDnsProvider("powerdns");',
    `D(${js(origin.slice(0, -1))}, REG_NONE, DnsProvider(DSP_PDNS),`,
    ...lines.map((l) => `  ${l},`),
    ');',
    '',
  ].join('\n');
}

interface Report {
  domain: string;
  corrections: number;
  correction_details?: string[];
  provider?: string;
  registrar?: string;
}

export interface DnscontrolOptions {
  readonly bin: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly workDir: string;
}

/** `dnscontrol preview` / `dnscontrol push` with a JSON report of the corrections. */
export class DnscontrolPeer implements PeerTool {
  readonly label = 'DNSControl';
  readonly version: string;
  private readonly logFile: string;

  constructor(private readonly options: DnscontrolOptions) {
    mkdirSync(options.workDir, { recursive: true });
    this.logFile = path.join(options.workDir, 'dnscontrol.log');
    const said = execFileSync(options.bin, ['version'], { encoding: 'utf8', timeout: 10_000 });
    this.version = /\d+\.\d+\.\d+\S*/.exec(said)?.[0] ?? said.trim();
  }

  private zoneDir(zone: string): string {
    return path.join(this.options.workDir, toAbsolute(zone).slice(0, -1));
  }

  stage(zone: string, rrsets: readonly RRset[]): void {
    const dir = this.zoneDir(zone);
    mkdirSync(dir, { recursive: true });
    const creds = {
      none: { TYPE: 'NONE' },
      // `$NAME` values are read from the environment: the key stays out of the file.
      powerdns: {
        TYPE: 'POWERDNS',
        apiUrl: this.options.apiUrl,
        apiKey: `$${keyVariable}`,
        serverName: 'localhost',
      },
    };
    writeFileSync(path.join(dir, 'creds.json'), `${JSON.stringify(creds, null, 2)}\n`);
    writeFileSync(path.join(dir, 'dnsconfig.js'), renderDnsconfig(zone, rrsets));
  }

  private async run(zone: string, command: 'preview' | 'push'): Promise<string[]> {
    const dir = this.zoneDir(zone);
    const report = path.join(dir, 'report.json');
    rmSync(report, { force: true });
    await runTool(
      this.options.bin,
      [
        command,
        '--config',
        path.join(dir, 'dnsconfig.js'),
        '--creds',
        path.join(dir, 'creds.json'),
        '--domains',
        toAbsolute(zone).slice(0, -1),
        '--report',
        report,
      ],
      {
        cwd: dir,
        env: { ...process.env, [keyVariable]: this.options.apiKey },
        logFile: this.logFile,
        timeoutMs: runLimitMs,
      },
    );
    const entries = JSON.parse(readFileSync(report, 'utf8')) as Report[];
    return entries
      .filter((e) => e.provider !== undefined)
      .flatMap((e) => e.correction_details ?? Array.from({ length: e.corrections }, () => '(no detail)'));
  }

  preview(zone: string): Promise<string[]> {
    return this.run(zone, 'preview');
  }

  apply(zone: string): Promise<string[]> {
    return this.run(zone, 'push');
  }
}
