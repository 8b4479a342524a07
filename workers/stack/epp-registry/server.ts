import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { RegistryCerts } from './certs';
import type { RegistryEngine } from './engine';
import type { FrameLog } from './frame-log';
import { runSession } from './session';

/**
 * The EPP listener: TLS on loopback (RFC 5734), a client certificate signed by the registry's CA
 * required before any byte of EPP is exchanged (requestCert + rejectUnauthorized).
 */

export interface EppServerOptions {
  readonly host: string;
  /** 0: a free port (the bound one is reported). */
  readonly port: number;
  readonly certs: RegistryCerts;
  readonly engine: RegistryEngine;
  readonly idleTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly frameLog: FrameLog | undefined;
  readonly logger: Logger;
}

export interface EppServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startEppServer(options: EppServerOptions): Promise<EppServer> {
  const { certs, logger } = options;
  const sockets = new Set<Socket>();
  let sessions = 0;
  const server = tls.createServer(
    {
      key: readFileSync(certs.serverKeyFile),
      cert: readFileSync(certs.serverCertFile),
      ca: readFileSync(certs.caFile),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      sessions += 1;
      runSession(socket, options.engine, {
        id: sessions,
        idleTimeoutMs: options.idleTimeoutMs,
        maxFrameBytes: options.maxFrameBytes,
        frameLog: options.frameLog,
        logger,
      });
    },
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (err) => logger.info({ err: err.message }, 'TLS handshake refused'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
