import path from 'node:path';
import type { Logger } from 'pino';
import type { PowerDnsConfig } from '../../../activities/powerdns/client';
import { maxFrameBytes } from '../../../activities/epp/framing';
import type { AdminServer } from './admin';
import { adminToken, startAdminServer } from './admin';
import type { RegistryCerts } from './certs';
import { ensureRegistryCerts } from './certs';
import { RegistryClock } from './clock';
import { RegistryEngine } from './engine';
import { FaultPlan } from './faults';
import { FrameLog } from './frame-log';
import { normalizeTlds } from './names';
import { Publisher } from './publish';
import type { RegistrarsFile } from './registrars';
import { setUpRegistrars, writeRegistrarsFile } from './registrars';
import type { EppServer } from './server';
import { startEppServer } from './server';
import { RegistryStore } from './store';

/**
 * The EPP registry test double, assembled: store, engine, TLS listener, admin API and the
 * publisher into PowerDNS. Everything lives in `dataDir`: registry.json (state), transactions.jsonl,
 * certs/, registrars.json (the clients' handout), admin-token.
 */

export interface RegistryConfig {
  readonly dataDir: string;
  readonly host?: string;
  /** EPP port; 0 (default) picks a free one. */
  readonly port?: number;
  readonly adminPort?: number;
  /** Served TLDs, default ["test."]. */
  readonly tlds?: readonly string[];
  readonly registrars: readonly { clID: string; password?: string }[];
  /** Where to publish delegations; none: nothing is published. */
  readonly pdns?: PowerDnsConfig;
  /** Test-only: log every frame, secrets included (see frame-log.ts). */
  readonly frameLogDir?: string;
  readonly autoApproveAfterMs?: number;
  readonly idleTimeoutMs?: number;
  readonly publishDelayMs?: number;
  readonly minNs?: number;
  readonly maxNs?: number;
  readonly maxDs?: number;
  readonly maxSessionsPerRegistrar?: number;
  readonly ttl?: number;
  readonly logger: Logger;
}

export interface RunningRegistry {
  readonly host: string;
  readonly eppPort: number;
  readonly adminPort: number;
  readonly adminToken: string;
  readonly certs: RegistryCerts;
  readonly registrars: RegistrarsFile;
  stop(): Promise<void>;
}

const day = 24 * 60 * 60 * 1000;

export async function startRegistry(config: RegistryConfig): Promise<RunningRegistry> {
  const dataDir = path.resolve(config.dataDir);
  const host = config.host ?? '127.0.0.1';
  const tlds = normalizeTlds(config.tlds ?? ['test.']);
  const logger = config.logger;
  const store = new RegistryStore(dataDir);
  const clock = new RegistryClock(store);
  const certs = await ensureRegistryCerts(dataDir);
  let registrars = await setUpRegistrars(store, certs, config.registrars);
  const faults = new FaultPlan();
  const ttl = config.ttl ?? 3600;
  const publisher =
    config.pdns === undefined
      ? undefined
      : new Publisher(store, {
          pdns: config.pdns,
          tlds,
          ttl,
          publishDelayMs: config.publishDelayMs ?? 0,
          logger,
        });
  const engine = new RegistryEngine(store, clock, {
    policy: {
      tlds,
      autoApproveAfterMs: config.autoApproveAfterMs ?? 5 * day,
      minNs: config.minNs ?? 2,
      maxNs: config.maxNs ?? 13,
      maxDs: config.maxDs ?? 8,
    },
    logger,
    faults,
    maxSessionsPerRegistrar: config.maxSessionsPerRegistrar ?? 25,
    onUnpublished: () => publisher?.schedule(),
    onPasswordChange: () => {
      writeRegistrarsFile(store, certs).then(
        (handout) => (registrars = handout),
        (err: unknown) => logger.error({ err }, 'could not rewrite registrars.json'),
      );
    },
  });
  const opened: { close(): Promise<void> }[] = [];
  try {
    const epp: EppServer = await startEppServer({
      host,
      port: config.port ?? 0,
      certs,
      engine,
      idleTimeoutMs: config.idleTimeoutMs ?? 10 * 60 * 1000,
      maxFrameBytes,
      frameLog: config.frameLogDir === undefined ? undefined : new FrameLog(config.frameLogDir),
      logger,
    });
    opened.push(epp);
    const admin: AdminServer = await startAdminServer(
      {
        store,
        clock,
        engine,
        faults,
        isPublished: (names) => publisher?.isPublished(names) ?? false,
        logger,
      },
      { host, port: config.adminPort ?? 0, token: adminToken(dataDir) },
    );
    opened.push(admin);
    const timer = setInterval(() => engine.tick(), 1000);
    timer.unref();
    publisher?.republishAll();
    logger.info({ eppPort: epp.port, adminPort: admin.port, tlds }, 'EPP registry test double ready');
    return {
      host,
      eppPort: epp.port,
      adminPort: admin.port,
      adminToken: admin.token,
      certs,
      get registrars() {
        return registrars;
      },
      async stop() {
        clearInterval(timer);
        await Promise.all(opened.map((o) => o.close()));
        await publisher?.stop();
      },
    };
  } catch (err) {
    await Promise.all(opened.map((o) => o.close()));
    throw err;
  }
}
