import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ManagedProcess } from '../processes';
import { startProcess, waitFor } from '../processes';
import type { RegistrarCredentials } from './registrars';
import { readRegistrarsFile } from './registrars';

/**
 * Starts the EPP registry test double (main.ts) as a child process, as the stack starts PowerDNS:
 * its output goes to `<dataDir>/registry.log`, it is stopped by its own PID, and a registry that
 * exits or does not print its ready line in time is a precondition failure quoting its log.
 */

export interface EppRegistryOptions {
  readonly dataDir: string;
  /** 0 or unset: free ports. */
  readonly port?: number;
  readonly adminPort?: number;
  /** Publish delegations into this PowerDNS (the key is handed over in a 0600 file, not argv). */
  readonly pdns?: { readonly apiUrl: string; readonly apiKey: string };
  readonly tlds?: readonly string[];
  readonly registrars?: readonly string[];
  /** Test only: every frame, secrets included, one file each. */
  readonly frameLogDir?: string;
  /** Durations as main.ts reads them: "5d", "30s", "250ms". */
  readonly autoApproveAfter?: string;
  readonly idleTimeout?: string;
  readonly publishDelay?: string;
  readonly minNs?: number;
}

export interface EppRegistryHandle extends ManagedProcess {
  readonly host: string;
  readonly port: number;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly certsDir: string;
  readonly caFile: string;
  readonly frameLogDir: string | undefined;
  readonly registrars: readonly RegistrarCredentials[];
}

interface ReadyLine {
  readonly eppPort: number;
  readonly adminPort: number;
  readonly certsDir: string;
}

function args(options: EppRegistryOptions, dataDir: string): string[] {
  const list = [
    '--data-dir',
    dataDir,
    '--port',
    String(options.port ?? 0),
    '--admin-port',
    String(options.adminPort ?? 0),
  ];
  if (options.pdns !== undefined) {
    const keyFile = path.join(dataDir, 'pdns-api-key');
    writeFileSync(keyFile, `${options.pdns.apiKey}\n`, { mode: 0o600 });
    list.push('--pdns-api-url', options.pdns.apiUrl, '--pdns-api-key-file', keyFile);
  }
  if (options.tlds !== undefined) list.push('--tlds', options.tlds.join(','));
  if (options.registrars !== undefined) list.push('--registrars', options.registrars.join(','));
  if (options.frameLogDir !== undefined) list.push('--frame-log-dir', path.resolve(options.frameLogDir));
  if (options.autoApproveAfter !== undefined) list.push('--auto-approve-after', options.autoApproveAfter);
  if (options.idleTimeout !== undefined) list.push('--idle-timeout', options.idleTimeout);
  if (options.publishDelay !== undefined) list.push('--publish-delay', options.publishDelay);
  if (options.minNs !== undefined) list.push('--min-ns', String(options.minNs));
  return list;
}

export async function startEppRegistry(options: EppRegistryOptions): Promise<EppRegistryHandle> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(dataDir, 'registry.log');
  const main = path.join(__dirname, 'main.ts');
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const { child, managed } = startProcess(
    'epp-registry',
    process.execPath,
    ['--import', tsx, main, ...args(options, dataDir)],
    logFile,
    undefined,
    true,
  );
  let ready: ReadyLine | undefined;
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (const line of buffered.split('\n').slice(0, -1)) {
      try {
        const parsed = JSON.parse(line) as Partial<ReadyLine>;
        if (typeof parsed.eppPort === 'number' && typeof parsed.adminPort === 'number')
          ready = parsed as ReadyLine;
      } catch {
        // not the ready line
      }
    }
    buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
  });
  try {
    await waitFor('EPP registry test double', async () => ready !== undefined, 60_000, { child, logFile });
  } catch (err) {
    await managed.stop();
    throw err;
  }
  const line = ready!;
  const handout = readRegistrarsFile(dataDir)!;
  return {
    ...managed,
    host: '127.0.0.1',
    port: line.eppPort,
    adminUrl: `http://127.0.0.1:${line.adminPort}`,
    adminToken: readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim(),
    dataDir,
    certsDir: line.certsDir,
    caFile: handout.caFile,
    frameLogDir: options.frameLogDir === undefined ? undefined : path.resolve(options.frameLogDir),
    registrars: handout.registrars,
  };
}
