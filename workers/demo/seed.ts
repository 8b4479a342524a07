import type { PowerDnsClient } from '../../activities/powerdns/client';
import type { RRset } from '../../src/plan/plan';

const rr = (name: string, type: string, ttl: number, records: string[]): RRset => ({
  name,
  type,
  ttl,
  records,
});

/** A realistic zone: apex mail and CA records, services, and `hosts` numbered hosts. */
export function demoZoneRrsets(zone: string, hosts: number): RRset[] {
  const out: RRset[] = [
    rr(zone, 'A', 3600, ['192.0.2.1']),
    rr(zone, 'MX', 3600, [`10 mx1.${zone}`, `20 mx2.${zone}`]),
    rr(zone, 'TXT', 3600, ['"v=spf1 mx -all"']),
    rr(zone, 'CAA', 3600, ['0 issue "letsencrypt.org"']),
    rr(`_dmarc.${zone}`, 'TXT', 3600, ['"v=DMARC1; p=reject"']),
    rr(`www.${zone}`, 'A', 300, ['192.0.2.10', '192.0.2.11']),
    rr(`api.${zone}`, 'A', 300, ['192.0.2.20']),
    rr(`mx1.${zone}`, 'A', 3600, ['192.0.2.25']),
    rr(`mx2.${zone}`, 'A', 3600, ['192.0.2.26']),
    rr(`ns1.${zone}`, 'A', 3600, ['192.0.2.53']),
    rr(`ns2.${zone}`, 'A', 3600, ['198.51.100.53']),
    rr(`_sip._tcp.${zone}`, 'SRV', 3600, [`10 5 5060 sip.${zone}`]),
    rr(`sip.${zone}`, 'A', 3600, ['192.0.2.30']),
  ];
  for (let i = 1; i <= hosts; i += 1) {
    const name = `host${String(i).padStart(4, '0')}.${zone}`;
    out.push(rr(name, 'A', 3600, [`10.${Math.floor(i / 250) % 256}.${i % 250}.${(i % 200) + 1}`]));
    if (i % 10 === 0) out.push(rr(`alias${String(i).padStart(4, '0')}.${zone}`, 'CNAME', 3600, [name]));
  }
  return out;
}

/** Creates the zone afresh (deleting any earlier copy) so every demo run starts from the same data. */
export async function seedZone(pdns: PowerDnsClient, zone: string, hosts: number): Promise<number> {
  if (await pdns.zoneExists(zone)) await pdns.deleteZone(zone);
  const rrsets = demoZoneRrsets(zone, hosts);
  await pdns.createZone(zone, [`ns1.${zone}`, `ns2.${zone}`], rrsets);
  return rrsets.reduce((sum, r) => sum + r.records.length, 0) + 3;
}
