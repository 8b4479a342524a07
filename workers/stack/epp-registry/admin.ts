import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RegistryClock } from './clock';
import type { RegistryEngine } from './engine';
import type { FaultMode, FaultPlan } from './faults';
import { isResultCode } from './results';
import { domainStatuses, hostStatuses } from './status';
import type { RegistryStore } from './store';
import { finishTransfer } from './transfers';

/**
 * The test-side door into the registry: loopback HTTP, a bearer token from `<dataDir>/admin-token`,
 * JSON in and out. It reads what EPP clients cannot see (the transaction log, whether a delegation
 * is published) and steers what tests must control (faults, the clock, auto-approval). It never
 * returns a secret: authInfo values and passwords are left out.
 */

export interface AdminDeps {
  readonly store: RegistryStore;
  readonly clock: RegistryClock;
  readonly engine: RegistryEngine;
  readonly faults: FaultPlan;
  /** Whether these owner names are published in PowerDNS (false when no PowerDNS is configured). */
  readonly isPublished: (names: readonly string[]) => boolean;
  readonly logger: Logger;
}

export interface AdminServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The admin token, generated once per data folder, readable by its owner only. */
export function adminToken(dataDir: string): string {
  const file = path.join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 65536) throw new HttpError(413, 'body too large');
  }
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'the body must be a JSON object');
}

const faultModes: readonly FaultMode[] = [
  'fail',
  'drop-after-apply',
  'drop-before-apply',
  'hang-after-apply',
];

function domainView(deps: AdminDeps, name: string) {
  const domain = deps.store.state.domains[name];
  if (domain === undefined) throw new HttpError(404, `no domain ${name}`);
  const { authInfo: _secret, ...rest } = domain;
  return {
    ...rest,
    status: domainStatuses(domain).map((s) => s.s),
    hasAuthInfo: domain.authInfo !== '',
    published: deps.isPublished([name, ...domain.ns]),
  };
}

function hostView(deps: AdminDeps, name: string) {
  const host = deps.store.state.hosts[name];
  if (host === undefined) throw new HttpError(404, `no host ${name}`);
  return {
    ...host,
    status: hostStatuses(deps.store.state, host).map((s) => s.s),
    published: deps.isPublished([name]),
  };
}

async function route(deps: AdminDeps, req: http.IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const key = `${req.method ?? 'GET'} /${parts[0] ?? ''}`;
  const name = (parts[1] ?? '').toLowerCase().replace(/\.$/, '');
  switch (key) {
    case 'GET /health':
      return { ok: true, unpublished: deps.store.state.unpublished.length };
    case 'GET /transactions':
      return deps.store.transactions();
    case 'GET /domains':
      return domainView(deps, name);
    case 'GET /hosts':
      return hostView(deps, name);
    case 'GET /faults':
      return deps.faults.list();
    case 'DELETE /faults':
      deps.faults.clear();
      return { cleared: true };
    case 'POST /faults': {
      const body = await readJson(req);
      const code = body.code === undefined ? 2400 : Number(body.code);
      const mode = body.mode as FaultMode;
      if (typeof body.command !== 'string' || !faultModes.includes(mode))
        throw new HttpError(400, `need {command: "domain:update", mode: ${faultModes.join(' | ')}}`);
      if (!isResultCode(code) || code < 2000)
        throw new HttpError(400, 'code must be an EPP error code (2xxx)');
      const times = body.times === undefined ? 1 : Number(body.times);
      if (!Number.isInteger(times) || times < 1) throw new HttpError(400, 'times must be a positive integer');
      return deps.faults.add({
        command: body.command,
        mode,
        code,
        times,
        ...(typeof body.object === 'string' ? { object: body.object.toLowerCase().replace(/\.$/, '') } : {}),
      });
    }
    case 'POST /clock': {
      const body = await readJson(req);
      const advanceMs = Number(body.advanceMs);
      if (!Number.isFinite(advanceMs) || advanceMs < 0)
        throw new HttpError(400, 'advanceMs must be a number ≥ 0');
      deps.clock.advance(advanceMs);
      deps.store.save();
      deps.engine.tick();
      return { now: deps.clock.iso() };
    }
    case 'POST /transfers': {
      if (parts[2] !== 'auto-approve') break;
      const domain = deps.store.state.domains[name];
      if (domain === undefined) throw new HttpError(404, `no domain ${name}`);
      if (domain.transfer?.trStatus !== 'pending')
        throw new HttpError(409, `no transfer of ${name} is pending`);
      const { reID, acID } = domain.transfer;
      finishTransfer(deps.store.state, deps.clock, domain, 'serverApproved', [reID, acID]);
      deps.store.save();
      return domainView(deps, name);
    }
    default:
      break;
  }
  throw new HttpError(404, `no such endpoint: ${req.method ?? ''} ${url.pathname}`);
}

export async function startAdminServer(
  deps: AdminDeps,
  options: { host: string; port: number; token: string },
): Promise<AdminServer> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return send(401, { error: 'bearer token required' });
    route(deps, req).then(
      (body) => send(200, body),
      (err: unknown) => {
        if (err instanceof HttpError) return send(err.status, { error: err.message });
        deps.logger.error({ err }, 'admin API request failed (this is a bug)');
        send(500, { error: 'internal error' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    token: options.token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
