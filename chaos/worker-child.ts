import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workerEnvironment, workerNodeFlags } from '../workers/process-memory';
import type { DnsServer } from '../activities/dns/query';
import type { PdnsApi } from './pdns-zones';

export interface WorkerChildOptions {
  readonly temporalAddress: string;
  readonly taskQueue: string;
  readonly pdns: PdnsApi;
  /** The authoritative servers verification asks; all must serve a change. */
  readonly dns: DnsServer | readonly DnsServer[];
  readonly approversPath: string;
  readonly bundlePath: string;
  readonly evidenceDir: string;
  /**
   * Delivered notifications, shared by every incarnation as by a deployment's workers; default:
   * a folder beside the log file.
   */
  readonly notificationLedgerDir?: string;
  /** Every incarnation appends its stdout and stderr here (pino JSON lines). */
  readonly logFile: string;
  readonly coolingOffSeconds: number;
  readonly approvalExpirySeconds: number;
  /** The policy's verificationPatience; unset: the shipped default. */
  readonly verificationPatienceSeconds?: number;
  /** The worker's workflow cache; unset: the worker's default. */
  readonly maxCachedWorkflows?: number;
  /** Incarnations kept loaded for fast restarts; default 2. A scenario that never kills needs 0. */
  readonly standbys?: number;
}

const runEntry = path.join(__dirname, '..', 'bin', 'run-entry.js');
const startTimeoutMs = 60_000;
const defaultStandbyDepth = 2;

/** One worker process: spawned in standby, told to go, killed by its own PID. */
interface Incarnation {
  readonly child: ChildProcess;
  /** Code and policy loaded; waiting for `go`. */
  readonly loaded: Promise<void>;
  /** Polling its task queue. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  expectingExit: boolean;
}

function messageOf(child: ChildProcess, type: string): Promise<void> {
  const promise = new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { type?: string }).type === type) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(
        new Error(`worker process ${child.pid} exited before '${type}' (code ${code}, signal ${signal})`),
      );
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  // Awaited only by whoever starts this incarnation; a standby that is simply stopped must not
  // surface as an unhandled rejection.
  promise.catch(() => undefined);
  return promise;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The change worker running in child processes (workers/harness-worker.ts), one polling at a time,
 * started, killed and restarted by their own PIDs only. The next incarnations are spawned ahead in
 * standby (loaded, not connected), so a restart is the worker's own start; two of them, because
 * loading takes longer than many incarnations live, and a kill should not wait for it.
 */
export class WorkerChild {
  private current: Incarnation | undefined;
  private standbys: Incarnation[] = [];
  /** Exits nobody asked for (a crash, or the worker giving up on its own). */
  unexpectedExits = 0;
  /**
   * The last start, in ms: `loadMs` from waiting on the process until its code and policy were
   * loaded (0 for a warm standby), `pollMs` from `go` until it polled (connect, workflow bundle, poll).
   */
  lastStart: { loadMs: number; pollMs: number } = { loadMs: 0, pollMs: 0 };

  constructor(private readonly options: WorkerChildOptions) {}

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  private spawnIncarnation(): Incarnation {
    const o = this.options;
    const log = openSync(o.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [
          // Started as deployed (package.json's worker script, the Dockerfile).
          ...workerNodeFlags,
          runEntry,
          'workers/harness-worker',
          '--standby',
          `--temporal=${o.temporalAddress}`,
          `--task-queue=${o.taskQueue}`,
          `--pdns-api-url=${o.pdns.apiUrl}`,
          `--dns=${(Array.isArray(o.dns) ? o.dns : [o.dns]).map((d: DnsServer) => `${d.host}:${d.port}`).join(',')}`,
          `--notification-ledger=${o.notificationLedgerDir ?? `${o.logFile}.notification-ledger`}`,
          `--approvers=${o.approversPath}`,
          `--bundle=${o.bundlePath}`,
          `--evidence-dir=${o.evidenceDir}`,
          `--cooling-off=${o.coolingOffSeconds}`,
          `--approval-expiry=${o.approvalExpirySeconds}`,
          ...(o.verificationPatienceSeconds === undefined
            ? []
            : [`--verification-patience=${o.verificationPatienceSeconds}`]),
          ...(o.maxCachedWorkflows === undefined ? [] : [`--max-cached=${o.maxCachedWorkflows}`]),
        ],
        {
          stdio: ['ignore', log, log, 'ipc'],
          env: { ...process.env, ...workerEnvironment, COUNTERSIGN_PDNS_API_KEY: o.pdns.apiKey },
        },
      );
    } finally {
      closeSync(log);
    }
    if (child.pid === undefined) throw new Error('worker process: could not start');
    const incarnation: Incarnation = {
      child,
      loaded: messageOf(child, 'loaded'),
      ready: messageOf(child, 'ready'),
      exited: new Promise<void>((resolve) =>
        child.once('exit', () => {
          if (!incarnation.expectingExit) this.unexpectedExits += 1;
          resolve();
        }),
      ),
      expectingExit: false,
    };
    return incarnation;
  }

  /** Starts the next incarnation (a warm standby if there is one) and resolves once it polls. */
  async start(): Promise<void> {
    if (this.running) throw new Error('worker process already running');
    const alive = (i: Incarnation) => i.child.exitCode === null && i.child.signalCode === null;
    this.standbys = this.standbys.filter(alive);
    const next = this.standbys.shift() ?? this.spawnIncarnation();
    this.current = next;
    const begun = performance.now();
    await within(next.loaded, startTimeoutMs, `worker process ${next.child.pid} not loaded`);
    const loaded = performance.now();
    next.child.send({ type: 'go' });
    await within(next.ready, startTimeoutMs, `worker process ${next.child.pid} not polling`);
    this.lastStart = { loadMs: loaded - begun, pollMs: performance.now() - loaded };
    while (this.standbys.length < (this.options.standbys ?? defaultStandbyDepth))
      this.standbys.push(this.spawnIncarnation());
  }

  /**
   * Resolves once the next incarnation has loaded its code, at once if there is none. A standby that
   * died or hangs is not an error here: `start` replaces it with a fresh process.
   */
  async standbyLoaded(): Promise<void> {
    const standby = this.standbys[0];
    if (standby !== undefined)
      await within(standby.loaded, startTimeoutMs, 'standby not loaded').catch(() => undefined);
  }

  /** SIGKILL to the polling incarnation's PID; resolves once it is gone. */
  async kill(): Promise<void> {
    const current = this.current;
    if (current === undefined || !this.running) return;
    current.expectingExit = true;
    current.child.kill('SIGKILL');
    await current.exited;
  }

  /**
   * A graceful stop of the polling incarnation (the SDK drains on SIGTERM), SIGKILL after 15 s.
   * A standby holds no connection and no task: it is simply killed.
   */
  async stop(): Promise<void> {
    const all = [...this.standbys.map((i) => [i, 'SIGKILL'] as const), [this.current, 'SIGTERM'] as const];
    for (const [incarnation, signal] of all) {
      if (incarnation === undefined) continue;
      const child = incarnation.child;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      incarnation.expectingExit = true;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await incarnation.exited;
      clearTimeout(timer);
    }
    this.standbys = [];
  }

  /** Resident memory of the polling incarnation in KiB, from /proc/<pid>/status. */
  memory(): { rssKiB: number; peakKiB: number } {
    const pid = this.current?.child.pid;
    if (pid === undefined || !this.running) throw new Error('worker process is not running');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
  }
}
