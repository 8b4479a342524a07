import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { searchAttributeRegistrations } from '../../src/search-attributes';
import type { ManagedProcess } from './processes';
import { PreconditionError } from '../preflight/precondition-error';
import { startProcess, tcpOpen, waitFor } from './processes';

const run = promisify(execFile);

export interface TemporalDevServerOptions {
  readonly bin: string;
  readonly dataDir: string;
  readonly port: number;
  readonly uiPort: number;
  readonly headless?: boolean;
  readonly namespace?: string;
  readonly retentionDays?: number;
}

export interface TemporalDevServer extends ManagedProcess {
  readonly address: string;
  readonly uiUrl: string | null;
  readonly namespace: string;
}

/**
 * Starts the Temporal CLI's dev server on loopback with a persistent SQLite file, the project's
 * search attributes registered and namespace retention raised (the dev default is one day).
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const namespace = options.namespace ?? 'default';
  const address = `127.0.0.1:${options.port}`;
  if (await tcpOpen('127.0.0.1', options.port))
    throw new PreconditionError(
      `the Temporal dev server's port ${options.port} is already in use; stop what holds it or choose another port`,
    );
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    path.join(options.dataDir, 'temporal.sqlite'),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(options.headless === true ? ['--headless'] : []),
    // An activity scheduled by a workflow task goes back with that task's answer to the worker that
    // completed it, skipping a round trip through the task queue (off by default in the server).
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    ...searchAttributeRegistrations.flatMap((sa) => ['--search-attribute', sa]),
  ];
  const logFile = path.join(options.dataDir, 'temporal.log');
  const { child, managed } = startProcess('temporal', options.bin, args, logFile);
  try {
    await waitFor(
      'Temporal dev server',
      async () => {
        await run(
          options.bin,
          ['operator', 'namespace', 'describe', '--address', address, '--namespace', namespace],
          { timeout: 5000 },
        );
        return true;
      },
      60_000,
      { child, logFile },
    );
    const retention = `${(options.retentionDays ?? 30) * 24}h`;
    await run(
      options.bin,
      [
        'operator',
        'namespace',
        'update',
        '--address',
        address,
        '--namespace',
        namespace,
        '--retention',
        retention,
      ],
      { timeout: 10_000 },
    );
    await ensureSearchAttributes(options.bin, address, namespace);
  } catch (err) {
    await managed.stop();
    throw err;
  }
  return {
    ...managed,
    address,
    namespace,
    uiUrl: options.headless === true ? null : `http://127.0.0.1:${options.uiPort}`,
  };
}

/**
 * `start-dev --search-attribute` registers attributes only when it creates the database: a data
 * folder from an earlier version lacks the ones added since, and a workflow that sets a missing
 * one cannot complete its task. Registers whatever is missing.
 */
async function ensureSearchAttributes(bin: string, address: string, namespace: string): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const { stdout } = await run(bin, ['operator', 'search-attribute', 'list', ...common, '-o', 'json'], {
    timeout: 10_000,
  });
  for (const registration of searchAttributeRegistrations) {
    const [name, type] = registration.split('=') as [string, string];
    if (stdout.includes(`"${name}"`)) continue;
    await run(bin, ['operator', 'search-attribute', 'create', '--name', name, '--type', type, ...common], {
      timeout: 10_000,
    });
  }
}
