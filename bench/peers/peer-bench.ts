import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PowerDnsClient } from '../../activities/powerdns/client';
import { queryRrset } from '../../activities/dns/query';
import type { RRset } from '../../src/plan/plan';
import { demoZoneRrsets } from '../../workers/demo/seed';
import { percentile, table } from '../stats';
import { DnscontrolPeer, findDnscontrol } from './dnscontrol';
import { OctodnsPeer, installOctodns } from './octodns';
import type { PeerTool } from './peer-tool';

const run = promisify(execFile);

/**
 * The peer comparison: one A record changed in zones of growing size, through countersign's
 * governed path and through octoDNS (and DNSControl when it is on PATH), all against the same
 * PowerDNS, each timed from invoking the tool until an authoritative DNS query to PowerDNS
 * answers the new value. Repetitions interleave the tools, rotating who goes first.
 */
export interface PeerBenchContext {
  readonly pdns: PowerDnsClient;
  /** PowerDNS's HTTP API, e.g. http://127.0.0.1:8081 (the peers talk to it directly). */
  readonly apiUrl: string;
  readonly apiKey: string;
  /** PowerDNS's DNS listener, polled every 20 ms for the new value. */
  readonly dns: { readonly host: string; readonly port: number };
  /** The peers' configs, zone files, plans, logs and the plot's data go here. */
  readonly dataDir: string;
  /** Records per zone, roughly (e.g. 100, 1_000, 10_000, 100_000); one zone `peers<N>.bench.test.` each. */
  readonly sizes: readonly number[];
  readonly repetitions: number;
  /** Applies one change through countersign; resolves when countersign says it is done. */
  readonly governed: (zone: string, name: string, value: string) => Promise<void>;
  /**
   * A floor to compare with: the same change made the cheapest way there is (e.g. one PowerDNS API
   * PATCH, nothing governed), so growth that PowerDNS itself causes shows as such.
   */
  readonly floor?: {
    readonly label: string;
    readonly apply: (zone: string, name: string, value: string) => Promise<void>;
  };
  /** How tables and the plot name the governed path (default "countersign (governed)"). */
  readonly governedLabel?: string;
  /** Where to write the plot (PNG); none when unset. */
  readonly plotPath?: string;
  /** The octoDNS virtualenv's bin directory; default: scripts/install-octodns.sh installs it. */
  readonly octodnsBin?: string;
  /** Progress, one line at a time. */
  readonly log: (line: string) => void;
}

export interface PeerRun {
  /** Invoking the tool until DNS answers the new value. */
  readonly ms: number;
  /** Invoking the tool until it returned (its process exited, or the governed call resolved). */
  readonly exitMs: number;
  readonly host: string;
}

export interface PeerSizeResult {
  readonly zone: string;
  readonly targetRecords: number;
  /** Records in the zone as seeded (SOA and apex NS included). */
  readonly records: number;
  readonly seedMs: number;
  /** Per tool label, in the order runs were made. */
  readonly runs: Readonly<Record<string, readonly PeerRun[]>>;
  /** Per tool label: median of `ms`. */
  readonly medianMs: Readonly<Record<string, number>>;
}

export interface PeerBenchResult {
  /** Governed first, then the peers. */
  readonly tools: readonly { readonly label: string; readonly version: string }[];
  readonly sizes: readonly PeerSizeResult[];
  /** Rows = sizes; median seconds per tool, governed/peer ratios, and a growth row. */
  readonly table: string;
  readonly plotPath?: string;
}

interface Contender {
  readonly label: string;
  readonly version: string;
  /** Untimed preparation for one change; returns the timed action. */
  prepare(zone: string, rrsets: readonly RRset[], name: string, value: string): () => Promise<void>;
  readonly peer?: PeerTool;
  /** An untimed change before the timed ones, as the peers' dry runs are untimed runs. */
  warm?(zone: string, name: string, value: string): Promise<void>;
}

const key = (name: string, type: string) => `${name}|${type}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const thousands = (n: number) => n.toLocaleString('en-US');

/** Records seedZone makes for `hosts` hosts: 15 fixed, a CNAME per 10 hosts, SOA and two NS. */
export function seededRecords(hosts: number): number {
  return hosts + Math.floor(hosts / 10) + 18;
}

/** The host count whose seeded zone comes closest to `records`, never below `minHosts`. */
export function hostsFor(records: number, minHosts: number): number {
  let hosts = Math.max(minHosts, Math.round((records - 18) / 1.1));
  while (hosts > minHosts && seededRecords(hosts) > records) hosts -= 1;
  while (seededRecords(hosts + 1) <= records) hosts += 1;
  return hosts;
}

export const hostName = (i: number, zone: string) => `host${String(i).padStart(4, '0')}.${zone}`;

/** Seconds for a table cell: three significant figures, at least two decimals below 10 s. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (!Number.isFinite(s)) return '-';
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

/** RRsets per request while seeding: PowerDNS refuses bodies over 2 MB (webserver-max-bodysize). */
const seedBatch = 5_000;

/**
 * What workers/demo/seed.ts's seedZone makes (the same RRsets, zone created afresh), in batches:
 * seedZone sends the whole zone in one request, which at 100,000 records is over PowerDNS's
 * request size limit and the client's 10 s timeout. Returns the zone's record count, as seedZone.
 */
async function seedLargeZone(ctx: PeerBenchContext, zone: string, hosts: number): Promise<number> {
  if (await ctx.pdns.zoneExists(zone)) await ctx.pdns.deleteZone(zone);
  const rrsets = demoZoneRrsets(zone, hosts);
  await ctx.pdns.createZone(zone, [`ns1.${zone}`, `ns2.${zone}`], rrsets.slice(0, seedBatch));
  const url = `${ctx.apiUrl.replace(/\/$/, '')}/api/v1/servers/localhost/zones/${encodeURIComponent(zone)}`;
  for (let i = seedBatch; i < rrsets.length; i += seedBatch) {
    const body = {
      rrsets: rrsets.slice(i, i + seedBatch).map((r) => ({
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        changetype: 'REPLACE',
        records: r.records.map((content) => ({ content, disabled: false })),
      })),
    };
    const response = await fetch(url, {
      method: 'PATCH',
      headers: { 'X-API-Key': ctx.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    if (!response.ok)
      throw new Error(
        `seeding ${zone}: PowerDNS answered ${response.status} to a batch: ${await response.text()}`,
      );
  }
  return rrsets.reduce((sum, r) => sum + r.records.length, 0) + 3;
}

const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');

/**
 * Times one change: starts `action`, polls PowerDNS's DNS port every 20 ms until `name` A is
 * exactly `value`. Fails when the action fails, or when DNS has not caught up 30 s after it returned.
 */
async function timeChange(
  action: () => Promise<void>,
  dns: PeerBenchContext['dns'],
  name: string,
  value: string,
): Promise<{ ms: number; exitMs: number }> {
  const start = performance.now();
  const state: { doneAt?: number; failed?: { err: unknown } } = {};
  const running = action().then(
    () => {
      state.doneAt = performance.now();
    },
    (err: unknown) => {
      state.failed = { err };
    },
  );
  let seenAt: number | undefined;
  while (seenAt === undefined) {
    if (state.failed !== undefined) throw state.failed.err;
    if (state.doneAt !== undefined && performance.now() - state.doneAt > 30_000)
      throw new Error(`the change returned, but DNS still does not answer ${name} A ${value} 30 s later`);
    const answer = await queryRrset(dns, name, 'A', 1000).catch(() => null);
    const records = answer?.rrset?.records ?? [];
    if (records.length === 1 && records[0] === value) seenAt = performance.now();
    else await sleep(20);
  }
  await running;
  if (state.failed !== undefined) throw state.failed.err;
  return { ms: seenAt - start, exitMs: (state.doneAt ?? seenAt) - start };
}

function peerContender(peer: PeerTool): Contender {
  return {
    label: peer.label,
    version: peer.version,
    peer,
    prepare(zone, rrsets) {
      // The user's edit: the whole zone, as it is, with the one record changed.
      peer.stage(zone, rrsets);
      return async () => {
        const changes = await peer.apply(zone);
        if (changes.length !== 1)
          throw new Error(
            `${peer.label} made ${changes.length} changes where one was asked for; the benchmark's zone file ` +
              `does not match PowerDNS:\n  ${changes.slice(0, 10).join('\n  ')}`,
          );
      };
    },
  };
}

/** Fails loudly unless the peer, shown `rrsets`, plans exactly `expected` changes. */
async function checkPlan(
  peer: PeerTool,
  zone: string,
  rrsets: readonly RRset[],
  expected: number,
): Promise<void> {
  peer.stage(zone, rrsets);
  const changes = await peer.preview(zone);
  if (changes.length !== expected)
    throw new Error(
      `${peer.label}'s dry run plans ${changes.length} changes to ${zone}, expected ${expected}: its zone ` +
        `file does not describe the zone PowerDNS holds${changes.length > 0 ? `:\n  ${changes.slice(0, 10).join('\n  ')}` : ''}`,
    );
}

function render(result: Omit<PeerBenchResult, 'table' | 'plotPath'>): string {
  const labels = result.tools.map((t) => t.label);
  const [governed, ...peers] = labels as [string, ...string[]];
  const headers = [
    'records in zone',
    ...labels.map((l) => `${l} s`),
    ...peers.map((p) => `${governed} / ${p}`),
  ];
  const rows: (string | number)[][] = result.sizes.map((s) => [
    thousands(s.records),
    ...labels.map((l) => seconds(s.medianMs[l] ?? Number.NaN)),
    ...peers.map((p) => ratio(s.medianMs[governed] ?? Number.NaN, s.medianMs[p] ?? Number.NaN)),
  ]);
  const first = result.sizes[0];
  const last = result.sizes[result.sizes.length - 1];
  if (first !== undefined && last !== undefined && result.sizes.length > 1) {
    rows.push([
      `growth, ${thousands(last.records)} / ${thousands(first.records)}`,
      ...labels.map((l) => `${ratio(last.medianMs[l] ?? Number.NaN, first.medianMs[l] ?? Number.NaN)}x`),
      ...peers.map(() => '-'),
    ]);
  }
  return table(headers, rows);
}

export async function benchPeers(ctx: PeerBenchContext): Promise<PeerBenchResult> {
  if (ctx.repetitions < 1) throw new Error('benchPeers needs at least one repetition');
  mkdirSync(ctx.dataDir, { recursive: true });
  const octodnsBin = ctx.octodnsBin ?? installOctodns();
  const contenders: Contender[] = [
    {
      label: ctx.governedLabel ?? 'countersign (governed)',
      version: '',
      prepare: (zone, _rrsets, name, value) => () => ctx.governed(zone, name, value),
      // The first change in a zone also starts the zone's governor: once in a zone's life.
      warm: (zone, name, value) => ctx.governed(zone, name, value),
    },
    peerContender(
      new OctodnsPeer({
        binDir: octodnsBin,
        apiUrl: ctx.apiUrl,
        apiKey: ctx.apiKey,
        workDir: path.join(ctx.dataDir, 'octodns'),
      }),
    ),
  ];
  const floor = ctx.floor;
  if (floor !== undefined)
    contenders.push({
      label: floor.label,
      version: '',
      prepare: (zone, _rrsets, name, value) => () => floor.apply(zone, name, value),
    });
  const dnscontrolBin = findDnscontrol();
  if (dnscontrolBin === undefined) ctx.log('peers: no dnscontrol on PATH; comparing with octoDNS only');
  else
    contenders.push(
      peerContender(
        new DnscontrolPeer({
          bin: dnscontrolBin,
          apiUrl: ctx.apiUrl,
          apiKey: ctx.apiKey,
          workDir: path.join(ctx.dataDir, 'dnscontrol'),
        }),
      ),
    );
  ctx.log(
    `peers: ${contenders.map((c) => (c.version === '' ? c.label : `${c.label} ${c.version}`)).join('; ')}`,
  );

  const sizes: PeerSizeResult[] = [];
  for (const target of ctx.sizes) {
    const zone = `peers${target}.bench.test.`;
    const timedChanges = ctx.repetitions * contenders.length;
    // One host more than the timed changes need: the untimed warm-up changes it.
    const hosts = hostsFor(target, timedChanges + 1);
    let started = performance.now();
    const records = await seedLargeZone(ctx, zone, hosts);
    const seedMs = performance.now() - started;
    ctx.log(`peers: ${thousands(records)} records: zone ${zone} seeded in ${seconds(seedMs)} s`);

    // The zone as the peers' users keep it: what was seeded, plus PowerDNS's own SOA and apex NS.
    const model = new Map<string, RRset>();
    const refresh = async (name: string, type: string) => {
      const rrset = await ctx.pdns.getRrset(zone, name, type);
      if (rrset === null) model.delete(key(name, type));
      else model.set(key(name, type), rrset);
    };
    for (const rrset of demoZoneRrsets(zone, hosts)) model.set(key(rrset.name, rrset.type), rrset);
    await refresh(zone, 'NS');
    await refresh(zone, 'SOA');

    // Each peer must see the zone file as identical to PowerDNS's zone before any timed run.
    for (const c of contenders) {
      if (c.peer === undefined) continue;
      started = performance.now();
      await checkPlan(c.peer, zone, [...model.values()], 0);
      ctx.log(
        `peers: ${thousands(records)} records: ${c.label} dry run plans no change (${seconds(performance.now() - started)} s)`,
      );
    }

    for (const c of contenders) {
      if (c.warm === undefined) continue;
      const name = hostName(timedChanges + 1, zone);
      started = performance.now();
      await c.warm(zone, name, '203.0.113.254');
      await refresh(name, 'A');
      await refresh(zone, 'SOA');
      ctx.log(
        `peers: ${thousands(records)} records: ${c.label} untimed first change (${seconds(performance.now() - started)} s)`,
      );
    }

    const runs: Record<string, PeerRun[]> = Object.fromEntries(contenders.map((c) => [c.label, []]));
    for (let rep = 0; rep < ctx.repetitions; rep += 1) {
      const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length] as Contender);
      for (const c of order) {
        const k = rep * contenders.length + contenders.indexOf(c);
        const name = hostName(k + 1, zone);
        const value = `203.0.113.${(k % 254) + 1}`;
        const current = model.get(key(name, 'A'));
        if (current === undefined)
          throw new Error(`${name} A is not in the seeded zone (a bug in the harness)`);
        const desired = [...model.values()].map((r) =>
          r === current ? { ...current, records: [value] } : r,
        );
        // Once per size and peer: the staged edit must be exactly one planned change.
        if (rep === 0 && c.peer !== undefined) {
          started = performance.now();
          await checkPlan(c.peer, zone, desired, 1);
          ctx.log(
            `peers: ${thousands(records)} records: ${c.label} dry run plans exactly the one change ` +
              `(${seconds(performance.now() - started)} s)`,
          );
        }
        const action = c.prepare(zone, desired, name, value);
        const timing = await timeChange(action, ctx.dns, name, value);
        (runs[c.label] as PeerRun[]).push({ ...timing, host: name });
        await refresh(name, 'A');
        await refresh(zone, 'SOA');
        ctx.log(
          `peers: ${thousands(records)} records, repetition ${rep + 1}/${ctx.repetitions}: ${c.label} ` +
            `${seconds(timing.ms)} s`,
        );
      }
    }
    const medianMs = Object.fromEntries(
      Object.entries(runs).map(([label, list]) => [
        label,
        percentile(
          list.map((r) => r.ms),
          50,
        ),
      ]),
    );
    sizes.push({ zone, targetRecords: target, records, seedMs, runs, medianMs });
    await ctx.pdns.deleteZone(zone);
  }

  const tools = contenders.map((c) => ({ label: c.label, version: c.version }));
  const rendered = render({ tools, sizes });
  let plotPath: string | undefined;
  if (ctx.plotPath !== undefined && sizes.length > 0) {
    const data = {
      title: 'One record changed, until DNS answers the new value',
      subtitle: `median of ${ctx.repetitions} interleaved run${ctx.repetitions === 1 ? '' : 's'} per point, all on one PowerDNS`,
      xlabel: 'records in zone',
      ylabel: 'seconds (median)',
      output: path.resolve(ctx.plotPath),
      series: tools.map((t) => ({
        label: t.version === '' ? t.label : `${t.label} ${t.version}`,
        points: sizes.map((s) => [s.records, (s.medianMs[t.label] ?? Number.NaN) / 1000]),
      })),
    };
    const dataFile = path.join(ctx.dataDir, 'peers-plot.json');
    writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
    mkdirSync(path.dirname(data.output), { recursive: true });
    await run(path.join(octodnsBin, 'python'), [path.join(__dirname, 'plot.py'), dataFile], {
      timeout: 120_000,
    });
    plotPath = data.output;
    ctx.log(`peers: plot written to ${plotPath}`);
  }
  return { tools, sizes, table: rendered, ...(plotPath === undefined ? {} : { plotPath }) };
}
