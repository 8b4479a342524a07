import path from 'node:path';
import type { EppRegistryHandle, EppRegistryOptions } from './epp-registry/registry-process';
import { startEppRegistry } from './epp-registry/registry-process';
import type { PowerDnsServer } from './powerdns-server';
import { startPowerDns } from './powerdns-server';
import { withPortRetry } from './port-retry';
import { freePort } from './processes';
import type { S3ServerHandle } from './s3-server';
import { startS3Server } from './s3-server';
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
    s3?: number;
  };
  readonly headless?: boolean;
  /**
   * The EPP registry test double (workers/stack/epp-registry), publishing its delegations into this
   * PowerDNS: started unless `false`; the options add to the defaults (e.g. a frame log for tests).
   */
  readonly registry?: false | Omit<EppRegistryOptions, 'dataDir' | 'pdns' | 'port' | 'adminPort'>;
  /** The S3 server with an Object Lock bucket for sealed evidence: started unless `false`. */
  readonly s3?: false;
}

/** The bucket the embedded stack creates, with Object Lock, for sealed evidence. */
export const evidenceBucket = 'countersign-evidence';

export interface LocalStack {
  readonly temporal: TemporalDevServer;
  readonly pdns: PowerDnsServer;
  /** Absent when started with `registry: false`. */
  readonly registry: EppRegistryHandle | undefined;
  /** Absent when started with `s3: false`; its bucket is {@link evidenceBucket}. */
  readonly s3: S3ServerHandle | undefined;
  stop(): Promise<void>;
}

/**
 * The embedded default stack: Temporal dev server, PowerDNS, the EPP registry test double and an
 * S3 server enforcing Object Lock, on loopback, stopped by PID.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const chosen = options.ports;
  // Ports picked free can be taken before the server binds them (an outgoing connection's ephemeral
  // port, another test run): then the server is started again on newly picked ports.
  const attempts = chosen === undefined ? 3 : 1;
  const pick = async () =>
    chosen ?? {
      temporal: await freePort(),
      ui: await freePort(),
      pdnsApi: await freePort(),
      dns: await freePort(),
    };
  const temporal = await withPortRetry(attempts, async () => {
    const ports = await pick();
    return startTemporalDevServer({
      bin: options.temporalBin,
      dataDir: path.join(options.dataDir, 'temporal'),
      port: ports.temporal,
      uiPort: ports.ui,
      headless: options.headless ?? false,
    });
  });
  let pdns: PowerDnsServer;
  try {
    pdns = await withPortRetry(attempts, async () => {
      const ports = await pick();
      return startPowerDns({
        dir: path.join(options.dataDir, 'pdns'),
        apiPort: ports.pdnsApi,
        dnsPort: ports.dns,
      });
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
        port: chosen?.epp ?? 0,
        adminPort: chosen?.eppAdmin ?? 0,
      });
    } catch (err) {
      await Promise.all([temporal.stop(), pdns.stop()]);
      throw err;
    }
  }
  let s3: S3ServerHandle | undefined;
  if (options.s3 !== false) {
    try {
      s3 = await startS3Server({
        dataDir: path.join(options.dataDir, 's3'),
        bucket: evidenceBucket,
        ...(chosen?.s3 === undefined ? {} : { port: chosen.s3 }),
      });
    } catch (err) {
      await registry?.stop();
      await Promise.all([temporal.stop(), pdns.stop()]);
      throw err;
    }
  }
  return {
    temporal,
    pdns,
    registry,
    s3,
    async stop() {
      // The registry first: it may still be publishing into PowerDNS.
      await registry?.stop();
      await Promise.all([temporal.stop(), pdns.stop(), s3?.stop()]);
    },
  };
}
