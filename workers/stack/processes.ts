import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PreconditionError } from '../preflight/precondition-error';

/** A process this project started, stopped by its own PID and nothing broader. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  /** Added to the inherited environment: secrets go here, not into argv, which every local user can read. */
  env?: Readonly<Record<string, string>>,
  /** Also hands stdout to the caller (`child.stdout`, e.g. for a ready line); it is copied into the log. */
  pipeStdout = false,
): { child: ChildProcess; managed: ManagedProcess } {
  // The child writes its log itself: a server that dies at once (a port taken) has its last words
  // in the file when its exit is seen, and they survive this process dying too.
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', pipeStdout ? 'pipe' : log, log],
      ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
    });
  } finally {
    closeSync(log);
  }
  if (pipeStdout) child.stdout?.pipe(createWriteStream(logFile, { flags: 'a' }));
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const managed: ManagedProcess = {
    name,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return { child, managed };
}

/** The last lines of a server's log, indented, for an error a person reads. */
function logTail(logFile: string, lines = 6): string {
  if (!existsSync(logFile)) return '';
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines);
  return tail.length === 0 || tail[0] === ''
    ? ''
    : ` Its last log lines:\n${tail.map((l) => `    ${l}`).join('\n')}\n`;
}

/**
 * Polls `probe` until it resolves true. A server that exits or never gets ready is a precondition
 * failure: the error names it, quotes its log and says where the whole log is.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  started?: { child: ChildProcess; logFile: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const fail = (how: string) => {
    const log = started === undefined ? '' : logTail(started.logFile);
    const where = started === undefined ? '' : ` Full log: ${path.relative(process.cwd(), started.logFile)}.`;
    return new PreconditionError(
      `${what} did not start: ${how}.${log}${where} Fix what the log names, then run the command again.`,
    );
  };
  for (;;) {
    const exitCode = started?.child.exitCode;
    if (exitCode !== undefined && exitCode !== null) throw fail(`it exited with code ${exitCode}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw fail(`not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A loopback port free for both TCP and UDP at the time of asking. */
export async function freePort(): Promise<number> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  if (port === 0) throw new Error('no free port');
  return port;
}

export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
