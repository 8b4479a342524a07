import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { encodeFrame, FrameDecoder, FrameError } from '../../../activities/epp/framing';
import type { RegistryEngine, SessionState } from './engine';
import type { FrameLog } from './frame-log';

/**
 * One EPP session over one TLS connection (RFC 5734): the greeting on connect, then one response
 * per command frame, in order. The connection is closed without an answer when the client sends a
 * frame header outside the allowed size (a framing error leaves the stream unsynchronised), when
 * it stays idle too long, and when an injected fault drops it.
 */

export interface SessionOptions {
  readonly id: number;
  readonly idleTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly frameLog: FrameLog | undefined;
  readonly logger: Logger;
}

function certificateCN(socket: TLSSocket): string | undefined {
  const cn: unknown = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? String(cn[0]) : undefined;
}

export function runSession(socket: TLSSocket, engine: RegistryEngine, options: SessionOptions): void {
  const { logger, frameLog } = options;
  const state: SessionState = {
    id: options.id,
    certificateCN: certificateCN(socket),
    clID: undefined,
    objURIs: new Set(),
    extURIs: new Set(),
    failedLogins: 0,
  };
  const decoder = new FrameDecoder(options.maxFrameBytes);
  let closing = false;
  logger.info({ session: state.id, certificateCN: state.certificateCN }, 'session opened');

  const send = (label: string, xml: string) => {
    frameLog?.write('out', label, xml);
    socket.write(encodeFrame(xml));
  };
  const drop = (why: string) => {
    if (closing) return;
    closing = true;
    logger.info({ session: state.id, clID: state.clID }, `closing the connection: ${why}`);
    socket.destroy();
  };

  socket.setTimeout(options.idleTimeoutMs, () => drop('idle timeout'));
  socket.on('error', (err: Error) =>
    logger.info({ session: state.id, err: err.message }, 'connection error'),
  );
  socket.on('close', () => {
    closing = true;
    engine.sessionClosed(state);
    logger.info({ session: state.id, clID: state.clID }, 'session closed');
  });
  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    let frames: string[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      if (err instanceof FrameError) return drop(err.message);
      throw err;
    }
    for (const xml of frames) {
      if (closing) return;
      let reply;
      try {
        reply = engine.handleFrame(state, xml);
      } catch (err) {
        logger.error({ session: state.id, err }, 'the registry failed on a frame (this is a bug)');
        return drop('internal error');
      }
      frameLog?.write('in', reply.label, xml, reply.label === 'not-xml' ? 'txt' : 'xml');
      if (reply.hang === true) continue;
      if (reply.xml === undefined) return drop('fault injected: no answer');
      send(reply.label, reply.xml);
      if (reply.close) {
        closing = true;
        socket.end();
        return;
      }
    }
  });
  send('greeting', engine.greeting());
}
