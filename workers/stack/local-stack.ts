import path from 'node:path';
import type { PowerDnsServer } from './powerdns-server';
import { startPowerDns } from './powerdns-server';
import { freePort } from './processes';
import type { TemporalDevServer } from './temporal-dev-server';
import { startTemporalDevServer } from './temporal-dev-server';

export interface LocalStackOptions {
  readonly temporalBin: string;
  readonly dataDir: string;
  /** Fixed ports (the demo, so the CLI finds it); unset: free loopback ports (tests, benchmarks). */
  readonly ports?: { temporal: number; ui: number; pdnsApi: number; dns: number };
  readonly headless?: boolean;
}

export interface LocalStack {
  readonly temporal: TemporalDevServer;
  readonly pdns: PowerDnsServer;
  stop(): Promise<void>;
}

/** The embedded default stack: Temporal dev server and PowerDNS, on loopback, stopped by PID. */
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
  return {
    temporal,
    pdns,
    async stop() {
      await Promise.all([temporal.stop(), pdns.stop()]);
    },
  };
}
