import type { PowerDnsClient } from '../../activities/powerdns/client';
import type { RRset } from '../../src/plan/plan';

/** Creates a zone of its own for one test, with a few ordinary records. */
export async function createTestZone(
  pdns: PowerDnsClient,
  label: string,
  extra: RRset[] = [],
): Promise<string> {
  const zone = `${label}.test.`;
  await pdns.createZone(
    zone,
    [`ns1.${zone}`, `ns2.${zone}`],
    [
      { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.10'] },
      { name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.20'] },
      { name: zone, type: 'MX', ttl: 3600, records: [`10 mx1.${zone}`] },
      ...extra,
    ],
  );
  return zone;
}
