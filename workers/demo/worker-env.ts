import { writeFileSync } from 'node:fs';

/**
 * The demo worker's settings as environment variables, for commands run beside the demo that act
 * like a worker or need its directory (`countersign doctor`, `pending`): `set -a; . <file>; set +a`.
 * Holds the demo PowerDNS's generated API key, so the file is the owner's only.
 */
export function writeWorkerEnv(
  file: string,
  settings: {
    temporalAddress: string;
    taskQueue: string;
    pdns: { apiUrl: string; apiKey: string; dns: { host: string; port: number } };
    approversFile: string;
  },
): void {
  const lines = [
    `TEMPORAL_ADDRESS=${settings.temporalAddress}`,
    `COUNTERSIGN_TASK_QUEUE=${settings.taskQueue}`,
    `COUNTERSIGN_PDNS_API_URL=${settings.pdns.apiUrl}`,
    `COUNTERSIGN_PDNS_API_KEY=${settings.pdns.apiKey}`,
    `COUNTERSIGN_VERIFY_SERVERS=${settings.pdns.dns.host}:${settings.pdns.dns.port}`,
    `COUNTERSIGN_APPROVERS=${settings.approversFile}`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}
