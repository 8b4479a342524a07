import tls from 'node:tls';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { FailureType } from '../../src/failures';
import { encodeFrame, FrameDecoder } from './framing';
import { eppFailure } from './epp-failures';
import type { EppResponse } from './epp-xml';
import { hello, login, logout, parseResponse } from './epp-xml';

export interface EppConfig {
  readonly host: string;
  readonly port: number;
  /** The registrar's client id at the registry (also the client certificate's subject). */
  readonly clID: string;
  readonly password: string;
  /** PEM: the CA that signed the registry's certificate, the client certificate and its key. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The name the registry's certificate is checked against; the host when unset. */
  readonly servername?: string;
  /** An idle session says <hello/> this often so the registry keeps it (default 5 min). */
  readonly keepAliveMs?: number;
  /** How long one command may wait for its answer (default 20 s). */
  readonly timeoutMs?: number;
}

interface Waiting {
  resolve(xml: string): void;
  reject(err: Error): void;
}

/**
 * One logged-in EPP session over TLS with a client certificate (RFC 5734), shared by the worker's
 * activities. Commands run one at a time (EPP answers in order); a broken connection is reopened
 * and logged in again on the next command. The password never reaches a log or an error.
 */
export class EppSession {
  private socket: tls.TLSSocket | null = null;
  private ready: Promise<void> | null = null;
  private waiting: Waiting | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private keepAlive: NodeJS.Timeout | null = null;
  private commands = 0;
  /** The deadline of the command being sent (epoch ms), if its caller has one. */
  private deadline: number | undefined;

  constructor(
    private readonly config: EppConfig,
    private readonly logger: Logger,
  ) {}

  get endpoint(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  /**
   * Sends a command frame and returns the parsed response, whatever its result code. `deadline`
   * (epoch ms): a command still queued when its activity's time is up is not sent at all, so an
   * attempt Temporal has given up on cannot write after its retry did.
   */
  send(xml: string, label: string, deadline?: number): Promise<EppResponse> {
    const run = this.queue.then(async () => {
      this.deadline = deadline;
      try {
        this.checkDeadline(label);
        await this.connect();
        this.armKeepAlive();
        const answer = await this.exchange(xml, label);
        // 2500-2502: the registry ends the session after answering.
        if (answer.results.some((r) => r.code >= 2500)) this.drop();
        // 2002/2200 mid-session: the registry no longer knows this login (expired, restarted):
        // log in afresh, and let Temporal retry the command on the new session.
        const lost = answer.results.find((r) => r.code === 2002 || r.code === 2200);
        if (lost !== undefined) {
          this.drop();
          throw unavailable(
            `${label}: the registry no longer knows this session (${lost.code} ${lost.message}); logging in again`,
          );
        }
        return answer;
      } finally {
        this.deadline = undefined;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Logs out and closes; the next command would log in again. */
  async close(): Promise<void> {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
    // In the queue: a logout must not overlap a command's exchange.
    const closing = this.queue.then(async () => {
      if (this.socket === null) return;
      try {
        await this.exchange(logout(`CS-logout-${Date.now()}`), 'logout');
      } catch {
        // Closing anyway.
      }
      this.drop();
    });
    this.queue = closing.catch(() => undefined);
    await this.queue;
  }

  private connect(): Promise<void> {
    this.ready ??= this.open().catch((err: unknown) => {
      this.drop();
      throw err;
    });
    return this.ready;
  }

  private async open(): Promise<void> {
    const socket = tls.connect({
      host: this.config.host,
      port: this.config.port,
      ca: this.config.ca,
      cert: this.config.cert,
      key: this.config.key,
      // Unset: Node checks the certificate against the host itself (IP addresses included).
      ...(this.config.servername === undefined ? {} : { servername: this.config.servername }),
      minVersion: 'TLSv1.2',
    });
    this.socket = socket;
    const decoder = new FrameDecoder();
    const greeted = new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      try {
        for (const frame of decoder.push(chunk)) {
          const waiting = this.waiting;
          this.waiting = null;
          waiting?.resolve(frame);
        }
      } catch (err) {
        this.fail(socket, err as Error);
      }
    });
    socket.on('error', (err: Error) => this.fail(socket, err));
    socket.on('close', () => this.fail(socket, new Error('the registry closed the connection')));
    parseResponse(await this.withTimeout(greeted, 'greeting'));
    const answer = await this.exchange(
      login(this.config.clID, this.config.password, `CS-login-${Date.now()}-${this.commands}`),
      'login',
    );
    const result = answer.results[0];
    if (result === undefined || result.code !== 1000)
      throw eppFailure('login', result ?? { code: 2400, message: 'no result', reasons: [] }, answer.svTRID, [
        this.config.password,
      ]);
    this.logger.info(
      { registry: this.endpoint, clID: this.config.clID, svTRID: answer.svTRID },
      'EPP session open',
    );
  }

  /** A command whose activity's time is up is never sent: its retry may already have acted. */
  private checkDeadline(label: string): void {
    if (this.deadline !== undefined && Date.now() > this.deadline)
      throw unavailable(
        `${label}: not sent; its activity's time ran out while it waited for the EPP session`,
      );
  }

  private async exchange(xml: string, label: string): Promise<EppResponse> {
    const socket = this.socket;
    if (socket === null) throw unavailable(`${label}: not connected to the registry at ${this.endpoint}`);
    this.checkDeadline(label);
    this.commands += 1;
    const answered = new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    socket.write(encodeFrame(xml));
    const answer = parseResponse(await this.withTimeout(answered, label));
    // An answer to another command means the session lost step: never hand it to this caller.
    const sent = /<clTRID>([^<]*)<\/clTRID>/.exec(xml)?.[1];
    if (sent !== undefined && answer.clTRID !== undefined && answer.clTRID !== sent) {
      this.drop();
      throw unavailable(
        `${label}: the registry answered transaction ${answer.clTRID}, not ${sent}; reconnecting`,
      );
    }
    return answer;
  }

  /** Waits for an answer, never past the command's deadline: the port fails inside its activity's time. */
  private withTimeout(answer: Promise<string>, label: string): Promise<string> {
    const configured = this.config.timeoutMs ?? 20_000;
    const ms =
      this.deadline === undefined
        ? configured
        : Math.max(1, Math.min(configured, this.deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop();
        reject(unavailable(`${label}: no answer from the registry at ${this.endpoint} within ${ms} ms`));
      }, ms);
    });
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  }

  private armKeepAlive(): void {
    if (this.keepAlive !== null) return;
    this.keepAlive = setInterval(() => {
      this.queue = this.queue
        .then(() => (this.socket === null ? undefined : this.exchange(hello(), 'hello')))
        .catch((err: Error) =>
          this.logger.warn({ err: err.message }, 'EPP keep-alive failed; reconnecting on next use'),
        );
    }, this.config.keepAliveMs ?? 300_000);
    this.keepAlive.unref();
  }

  /** A connection broke: whoever waits on it learns why. Events of an older, replaced socket are ignored. */
  private fail(socket: tls.TLSSocket, err: Error): void {
    if (this.socket !== socket) return;
    const waiting = this.waiting;
    this.waiting = null;
    this.drop();
    waiting?.reject(unavailable(`the connection to the registry at ${this.endpoint} failed: ${err.message}`));
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    this.ready = null;
    socket?.destroy();
  }
}

function unavailable(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.ProviderUnavailable, message });
}
