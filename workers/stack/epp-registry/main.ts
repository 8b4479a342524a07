import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { createLogger } from '../../logger';
import { runMain } from '../../preflight/run-main';
import { startRegistry } from './registry';

/**
 * Runs the EPP registry test double as its own process. When it is ready it prints one JSON line
 * on stdout, {eppPort, adminPort, certsDir}; its logs go to stderr. SIGTERM or SIGINT stop it.
 *
 *   npx tsx workers/stack/epp-registry/main.ts --data-dir .data/registry \
 *     --pdns-api-url http://127.0.0.1:8081 --pdns-api-key-file .data/pdns/api-key
 *
 * The PowerDNS API key is read from --pdns-api-key-file, else COUNTERSIGN_PDNS_API_KEY, else
 * --pdns-api-key (visible to other users in the process list: avoid it outside throwaway setups).
 */

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) throw new InvalidArgumentError('a duration such as 500ms, 30s, 10m, 5d');
  return Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1);
}

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new InvalidArgumentError('a port from 0 to 65535');
  return value;
}

function count(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('a whole number');
  return value;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

interface Options {
  dataDir: string;
  port: number;
  adminPort: number;
  pdnsApiUrl?: string;
  pdnsApiKey?: string;
  pdnsApiKeyFile?: string;
  tlds: string[];
  registrars: string[];
  frameLogDir?: string;
  autoApproveAfter: number;
  idleTimeout: number;
  publishDelay: number;
  minNs: number;
}

async function main(): Promise<number> {
  const program = new Command('epp-registry')
    .description('countersign EPP registry test double (loopback TLS, RFC 5730-5734 subset, RFC 5910)')
    .requiredOption('--data-dir <dir>', 'state, certificates, registrars.json, admin-token')
    .option('--port <port>', 'EPP port (0: a free one)', port, 0)
    .option('--admin-port <port>', 'admin HTTP port (0: a free one)', port, 0)
    .option('--pdns-api-url <url>', 'PowerDNS API to publish delegations into')
    .option('--pdns-api-key <key>', 'PowerDNS API key (prefer --pdns-api-key-file)')
    .option('--pdns-api-key-file <file>', 'file holding the PowerDNS API key')
    .option('--tlds <list>', 'served TLDs, comma-separated', list, ['test.'])
    .option('--registrars <list>', 'registrar clIDs, comma-separated', list, [
      'countersign',
      'other-registrar',
    ])
    .option('--frame-log-dir <dir>', 'test only: write every frame (secrets included) to this folder')
    .option('--auto-approve-after <duration>', 'transfer auto-approval delay', duration, 5 * units.d!)
    .option('--idle-timeout <duration>', 'close idle sessions after', duration, 10 * units.m!)
    .option('--publish-delay <duration>', 'wait before publishing a change to PowerDNS', duration, 0)
    .option('--min-ns <n>', 'fewest name servers an update may leave', count, 2)
    .parse();
  const o = program.opts<Options>();
  const apiKey =
    o.pdnsApiKeyFile !== undefined
      ? readFileSync(o.pdnsApiKeyFile, 'utf8').trim()
      : (process.env.COUNTERSIGN_PDNS_API_KEY ?? o.pdnsApiKey);
  if (o.pdnsApiUrl !== undefined && apiKey === undefined)
    throw new InvalidArgumentError(
      '--pdns-api-url needs a key: --pdns-api-key-file or COUNTERSIGN_PDNS_API_KEY',
    );
  const logger = createLogger({ destination: pino.destination(2) }).child({ component: 'epp-registry' });
  const registry = await startRegistry({
    dataDir: o.dataDir,
    port: o.port,
    adminPort: o.adminPort,
    tlds: o.tlds,
    registrars: o.registrars.map((clID) => ({ clID })),
    ...(o.pdnsApiUrl === undefined ? {} : { pdns: { apiUrl: o.pdnsApiUrl, apiKey: apiKey! } }),
    ...(o.frameLogDir === undefined ? {} : { frameLogDir: o.frameLogDir }),
    autoApproveAfterMs: o.autoApproveAfter,
    idleTimeoutMs: o.idleTimeout,
    publishDelayMs: o.publishDelay,
    minNs: o.minNs,
    logger,
  });
  process.stdout.write(
    `${JSON.stringify({ eppPort: registry.eppPort, adminPort: registry.adminPort, certsDir: path.resolve(registry.certs.dir) })}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await registry.stop();
  logger.info('stopped');
  return 0;
}

runMain('epp-registry', main);
