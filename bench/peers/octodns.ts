import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { RRset } from '../../src/plan/plan';
import { toAbsolute } from '../../src/dns/names';
import { runInstallScript } from '../../workers/stack/install';
import type { PeerTool } from './peer-tool';
import { runTool } from './run-tool';
import { renderOctodnsZone } from './zone-file';

/** octoDNS reads the PowerDNS API key from this variable (`env/…` in its config), not from a file. */
const keyVariable = 'COUNTERSIGN_BENCH_PDNS_API_KEY';
/** One run reads and compares the whole zone; 100,000 records take minutes on 2 cores. */
const runLimitMs = 30 * 60_000;

export interface OctodnsOptions {
  /** The virtualenv's bin directory (scripts/install-octodns.sh prints it). */
  readonly binDir: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  /** Configs, zone files, plans and the log go here. */
  readonly workDir: string;
}

/** Installs the pinned octoDNS (a fast no-op once done) and returns its virtualenv's bin directory. */
export function installOctodns(): string {
  return runInstallScript('install-octodns.sh').trim().split('\n').pop() ?? '';
}

interface PlanJson {
  [target: string]: { [zone: string]: { changes: { type: string; name: string; record_type: string }[] } };
}

/**
 * octoDNS as its users run it: a YamlProvider directory holding the zone file as the source of
 * truth, PowerDNS (octodns-powerdns) as the target, `octodns-sync` to preview and `--doit` to
 * apply. No `--force`: one changed record is far below its 30 % update threshold, and the root NS
 * stays as it is. A PlanJson output records what each run planned, so the harness can prove that
 * every timed run made exactly the one change.
 */
export class OctodnsPeer implements PeerTool {
  readonly label = 'octoDNS';
  readonly version: string;
  private readonly logFile: string;

  constructor(private readonly options: OctodnsOptions) {
    mkdirSync(options.workDir, { recursive: true });
    this.logFile = path.join(options.workDir, 'octodns.log');
    const pins = readFileSync(path.join(options.binDir, '..', 'countersign-pins'), 'utf8').trim();
    // "1.22.0 with octodns-powerdns 1.2.0", from the pins the install script stamped.
    const pinned = (name: string) =>
      pins
        .split(/\s+/)
        .find((p) => p.startsWith(`${name}==`))
        ?.slice(name.length + 2) ?? '?';
    this.version = `${pinned('octodns')} with octodns-powerdns ${pinned('octodns-powerdns')}`;
  }

  private zoneDir(zone: string): string {
    return path.join(this.options.workDir, toAbsolute(zone).slice(0, -1));
  }

  /** The octoDNS config for one zone: YAML zone files in `zones/`, PowerDNS as the target. */
  private writeConfig(zone: string): string {
    const dir = this.zoneDir(zone);
    const api = new URL(this.options.apiUrl);
    // octoDNS turns an env secret holding a dot into a float, and all digits into an int.
    if (/[.]|^\d+$/.test(this.options.apiKey))
      throw new Error(
        'octoDNS would mangle this PowerDNS API key (it holds a dot or only digits); use another key',
      );
    const config = {
      manager: {
        max_workers: 1,
        plan_outputs: {
          log: { class: 'octodns.provider.plan.PlanLogger', level: 'info' },
          json: { class: 'octodns.provider.plan.PlanJson', output_filename: path.join(dir, 'plan.json') },
        },
      },
      providers: {
        zonefiles: {
          class: 'octodns.provider.yaml.YamlProvider',
          directory: path.join(dir, 'zones'),
          // The harness writes records in the zone's own order; octoDNS's natural-sort check is
          // a convenience for hand-edited files.
          enforce_order: false,
        },
        powerdns: {
          class: 'octodns_powerdns.PowerDnsProvider',
          host: api.hostname,
          port: Number(api.port === '' ? (api.protocol === 'https:' ? 443 : 80) : api.port),
          scheme: api.protocol.replace(':', ''),
          api_key: `env/${keyVariable}`,
          // Its default (5 s per request) is too short to read a 100,000-record zone.
          timeout: 600,
        },
      },
      zones: { [toAbsolute(zone)]: { sources: ['zonefiles'], targets: ['powerdns'] } },
    };
    mkdirSync(path.join(dir, 'zones'), { recursive: true });
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, `---\n${stringify(config)}`);
    return file;
  }

  stage(zone: string, rrsets: readonly RRset[]): void {
    const dir = this.zoneDir(zone);
    this.writeConfig(zone);
    writeFileSync(path.join(dir, 'zones', `${toAbsolute(zone)}yaml`), renderOctodnsZone(zone, rrsets));
  }

  private async sync(zone: string, doit: boolean): Promise<string[]> {
    const dir = this.zoneDir(zone);
    const planFile = path.join(dir, 'plan.json');
    rmSync(planFile, { force: true });
    await runTool(
      path.join(this.options.binDir, 'octodns-sync'),
      ['--config-file', path.join(dir, 'config.yaml'), ...(doit ? ['--doit'] : []), toAbsolute(zone)],
      {
        cwd: dir,
        env: { ...process.env, [keyVariable]: this.options.apiKey },
        logFile: this.logFile,
        timeoutMs: runLimitMs,
      },
    );
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as PlanJson;
    return Object.values(plan).flatMap((zones) =>
      Object.values(zones).flatMap((p) => p.changes.map((c) => `${c.type} ${c.name} ${c.record_type}`)),
    );
  }

  preview(zone: string): Promise<string[]> {
    return this.sync(zone, false);
  }

  apply(zone: string): Promise<string[]> {
    return this.sync(zone, true);
  }
}
