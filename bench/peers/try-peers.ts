/**
 * Runs the peer comparison on its own, without Temporal: a fresh PowerDNS on free loopback ports
 * in .data/peers-try-*, and, in place of countersign's governed path, a direct PowerDNS API patch
 * (one PATCH of the RRset: NOT governed, no policy, no workflow; the floor any tool pays).
 *
 *   npx tsx bench/peers/try-peers.ts [--reps N] [--plot FILE] SIZE...
 *   npx tsx bench/peers/try-peers.ts --reps 3 100 1000 10000
 *
 * Prints the table; the plot goes to --plot (default: peers.png in the run's folder).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { runMain } from '../../workers/preflight/run-main';
import { runInstallScript, projectRoot } from '../../workers/stack/install';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import { benchPeers } from './peer-bench';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { reps: { type: 'string', default: '3' }, plot: { type: 'string' } },
    allowPositionals: true,
  });
  const sizes = (positionals.length === 0 ? ['100', '1000'] : positionals).map((s) =>
    Number(s.replace(/[_,]/g, '')),
  );
  const repetitions = Number(values.reps);
  if (
    sizes.some((s) => !Number.isInteger(s) || s < 20) ||
    !Number.isInteger(repetitions) ||
    repetitions < 1
  ) {
    console.error(
      'usage: try-peers.ts [--reps N] [--plot FILE] SIZE... (sizes are record counts, 20 or more)',
    );
    return 2;
  }
  runInstallScript('install-pdns.sh');
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'peers-try-'));
  const server = await startPowerDns({
    dir: path.join(dataDir, 'pdns'),
    apiPort: await freePort(),
    dnsPort: await freePort(),
  });
  try {
    const pdns = new PowerDnsClient({ apiUrl: server.apiUrl, apiKey: server.apiKey });
    const result = await benchPeers({
      pdns,
      apiUrl: server.apiUrl,
      apiKey: server.apiKey,
      dns: server.dns,
      dataDir: path.join(dataDir, 'peers'),
      sizes,
      repetitions,
      governedLabel: 'direct API patch (not governed)',
      governed: async (zone, name, value) => {
        const current = await pdns.getRrset(zone, name, 'A');
        await pdns.writeRrset(zone, name, 'A', {
          name,
          type: 'A',
          ttl: current?.ttl ?? 3600,
          records: [value],
        });
      },
      plotPath: values.plot ?? path.join(dataDir, 'peers.png'),
      log: (line) => console.error(line),
    });
    console.log(result.table);
    console.log(`\nruns, configs and logs: ${path.relative(process.cwd(), dataDir)}`);
    if (result.plotPath !== undefined) console.log(`plot: ${path.relative(process.cwd(), result.plotPath)}`);
    return 0;
  } finally {
    await server.stop();
  }
}

runMain('try-peers', main);
