import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { DnsServer } from '../dns/query';
import type { ProviderPort } from '../ports/provider-port';
import { fileSecretStore } from '../secrets/secret-store';
import { EppSession } from './epp-session';
import { eppRegistryPort } from './registry-port';

/** Where the registrar's registry is and how this worker proves who it is. */
export interface RegistryConfig {
  readonly host: string;
  readonly port: number;
  readonly clID: string;
  readonly password: string;
  /** PEM files: the CA that signed the registry's certificate, this registrar's client certificate and key. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The name the registry's certificate must carry; the host when unset. */
  readonly servername?: string;
  /** The parent zone's authoritative servers, asked to verify NS and DS changes. */
  readonly parentServers: readonly DnsServer[];
  /** Folder of secrets changes refer to by name (transfer auth codes). */
  readonly secretsDir?: string;
}

export interface RegistryConnection {
  readonly port: ProviderPort;
  /** Logs out; the worker calls it on shutdown. */
  close(): Promise<void>;
}

/** An EPP session as this registrar, from its configuration (the PEM files are read now). */
export function registrySession(config: RegistryConfig, logger: Logger): EppSession {
  return new EppSession(
    {
      host: config.host,
      port: config.port,
      clID: config.clID,
      password: config.password,
      ca: readFileSync(config.caFile, 'utf8'),
      cert: readFileSync(config.certFile, 'utf8'),
      key: readFileSync(config.keyFile, 'utf8'),
      ...(config.servername === undefined ? {} : { servername: config.servername }),
    },
    logger,
  );
}

export function connectRegistry(config: RegistryConfig, logger: Logger): RegistryConnection {
  const session = registrySession(config, logger.child({ component: 'epp' }));
  return {
    port: eppRegistryPort({
      session,
      clID: config.clID,
      parentServers: config.parentServers,
      secrets: fileSecretStore(config.secretsDir),
      logger,
    }),
    close: () => session.close(),
  };
}
