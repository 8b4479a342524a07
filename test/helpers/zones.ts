import { ApplicationFailure } from '@temporalio/common';
import type { PowerDnsClient } from '../../activities/powerdns/client';
import { FailureType } from '../../src/failures';
import type { RRset } from '../../src/plan/plan';

/**
 * Creates a zone of its own for one test, with a few ordinary records. PowerDNS's SQLite backend
 * answers 5xx when another writer holds the database; the product retries that through Temporal,
 * and so does this fixture, a few times.
 */
export async function createTestZone(
  pdns: PowerDnsClient,
  label: string,
  extra: RRset[] = [],
): Promise<string> {
  const zone = `${label}.test.`;
  const rrsets: RRset[] = [
    { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.10'] },
    { name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.20'] },
    { name: zone, type: 'MX', ttl: 3600, records: [`10 mx1.${zone}`] },
    ...extra,
  ];
  for (let attempt = 1; ; attempt += 1) {
    try {
      await pdns.createZone(zone, [`ns1.${zone}`, `ns2.${zone}`], rrsets);
      return zone;
    } catch (err) {
      const busy = err instanceof ApplicationFailure && err.type === FailureType.ProviderUnavailable;
      if (!busy || attempt >= 5) throw err;
      // A half-created zone would make the retry fail with "exists": start clean.
      if (await pdns.zoneExists(zone).catch(() => false)) await pdns.deleteZone(zone).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** The zone's SOA serial: PowerDNS bumps it on every PATCH, so it counts writes. */
export async function zoneSerial(pdns: PowerDnsClient, zone: string): Promise<number> {
  const soa = await pdns.getRrset(zone, zone, 'SOA');
  return Number(soa?.records[0]?.split(/\s+/)[2]);
}
