import path from 'node:path';
import type { EppRegistryHandle, EppRegistryOptions } from './epp-registry/registry-process';
import { startEppRegistry } from './epp-registry/registry-process';
import type { PowerDnsServer } from './powerdns-server';
import { startPowerDns } from './powerdns-server';
import { freePort } from './processes';
import type { TemporalDevServer } from './temporal-dev-server';
import { startTemporalDevServer } from './temporal-dev-server';

export interface LocalStackOptions {
  readonly temporalBin: string;
  readonly dataDir: string;
  /** Fixed ports (the demo, so the CLI finds it); unset: free loopback ports (tests, benchmarks). */
  readonly ports?: {
    temporal: number;
    ui: number;
    pdnsApi: number;
    dns: number;
    epp?: number;
    eppAdmin?: number;
  };
  readonly headless?: boolean;
  /**
   * The EPP registry test double (workers/stack/epp-registry), publishing its delegations into this
   * PowerDNS: started unless `false`; the options add to the defaults (e.g. a frame log for tests).
   */
  readonly registry?: false | Omit<EppRegistryOptions, 'dataDir' | 'pdns' | 'port' | 'adminPort'>;
}

export interface LocalStack {
  readonly temporal: TemporalDevServer;
  readonly pdns: PowerDnsServer;
  /** Absent when started with `registry: false`. */
  readonly registry: EppRegistryHandle | undefined;
  stop(): Promise<void>;
}

/**
 * The embedded default stack: Temporal dev server, PowerDNS and the EPP registry test double, on
 * loopback, stopped by PID.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const ports = options.ports ?? {
    temporal: await freePort(),
    ui: await freePort(),
    pdnsApi: await freePort(),
    dns: await freePort(),
  };
  const temporal = await startTemporalDevServer({
    bin: options.temporalBin,
    dataDir: path.join(options.dataDir, 'temporal'),
    port: ports.temporal,
    uiPort: ports.ui,
    headless: options.headless ?? false,
  });
  let pdns: PowerDnsServer;
  try {
    pdns = await startPowerDns({
      dir: path.join(options.dataDir, 'pdns'),
      apiPort: ports.pdnsApi,
      dnsPort: ports.dns,
    });
  } catch (err) {
    await temporal.stop();
    throw err;
  }
  let registry: EppRegistryHandle | undefined;
  if (options.registry !== false) {
    try {
      registry = await startEppRegistry({
        ...options.registry,
        dataDir: path.join(options.dataDir, 'epp-registry'),
        pdns: { apiUrl: pdns.apiUrl, apiKey: pdns.apiKey },
        port: ports.epp ?? 0,
        adminPort: ports.eppAdmin ?? 0,
      });
    } catch (err) {
      await Promise.all([temporal.stop(), pdns.stop()]);
      throw err;
    }
  }
  return {
    temporal,
    pdns,
    registry,
    async stop() {
      // The registry first: it may still be publishing into PowerDNS.
      await registry?.stop();
      await Promise.all([temporal.stop(), pdns.stop()]);
    },
  };
}
