import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ManagedProcess } from './processes';
import { PreconditionError } from '../preflight/precondition-error';
import { startProcess, tcpOpen, waitFor } from './processes';

const run = promisify(execFile);
const schema = '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql';

export interface PowerDnsOptions {
  readonly dir: string;
  readonly apiPort: number;
  readonly dnsPort: number;
  readonly bin?: string;
}

export interface PowerDnsServer extends ManagedProcess {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly dns: { readonly host: string; readonly port: number };
}

/** The API key lives in the instance folder, readable by its owner only, generated once. */
function apiKeyFor(dir: string): string {
  const file = path.join(dir, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * Starts PowerDNS Authoritative with a SQLite backend, DNS and API on loopback, every cache off so
 * a read right after a write sees the write.
 */
export async function startPowerDns(options: PowerDnsOptions): Promise<PowerDnsServer> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const database = path.join(dir, 'pdns.sqlite3');
  if (!existsSync(database)) await run('sqlite3', [database, `.read ${schema}`]);
  const apiKey = apiKeyFor(dir);
  if (await tcpOpen('127.0.0.1', options.apiPort))
    throw new PreconditionError(
      `the PowerDNS API port ${options.apiPort} is already in use; stop what holds it or choose another port`,
    );
  const config = [
    'launch=gsqlite3',
    `gsqlite3-database=${database}`,
    'local-address=127.0.0.1',
    `local-port=${options.dnsPort}`,
    'api=yes',
    `api-key=${apiKey}`,
    'webserver=yes',
    'webserver-address=127.0.0.1',
    `webserver-port=${options.apiPort}`,
    'webserver-allow-from=127.0.0.0/8,::1',
    'cache-ttl=0',
    'negquery-cache-ttl=0',
    'query-cache-ttl=0',
    'zone-cache-refresh-interval=0',
    'consistent-backends=yes',
    'guardian=no',
    'daemon=no',
    'disable-syslog=yes',
    `socket-dir=${dir}`,
    'loglevel=4',
  ];
  writeFileSync(path.join(dir, 'pdns.conf'), `${config.join('\n')}\n`, { mode: 0o600 });
  const logFile = path.join(dir, 'pdns.log');
  const { child, managed } = startProcess(
    'pdns_server',
    options.bin ?? 'pdns_server',
    [`--config-dir=${dir}`],
    logFile,
  );
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  try {
    await waitFor(
      'PowerDNS API',
      async () => {
        const response = await fetch(`${apiUrl}/api/v1/servers/localhost`, {
          headers: { 'X-API-Key': apiKey },
        });
        return response.ok;
      },
      20_000,
      { child, logFile },
    );
  } catch (err) {
    await managed.stop();
    throw err;
  }
  return { ...managed, apiUrl, apiKey, dns: { host: '127.0.0.1', port: options.dnsPort } };
}
