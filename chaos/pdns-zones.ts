import type { RRset } from '../src/plan/plan';

/**
 * Zones whose SOA serial counts writes. The chaos harness needs to know from PowerDNS itself how
 * many times a change was written, so it cannot rely on the product's own evidence for that.
 *
 * PowerDNS 4.7 edits the SOA on every API PATCH of a zone, according to the zone's SOA-EDIT-API
 * (checked against 4.7.3: two PATCHes with identical content bump the serial twice, so even a
 * duplicate write of the very same RRset shows). Zones created through the API default to
 * SOA-EDIT-API `DEFAULT`, whose serials are dates (YYYYMMDDnn) and jump when the day changes; the
 * zones here are created with `INCREASE` instead, so each PATCH adds exactly one to the serial and
 * `serial now - serial at creation` is the number of writes, whatever the clock does.
 */
export interface PdnsApi {
  readonly apiUrl: string;
  readonly apiKey: string;
}

function base(api: PdnsApi): string {
  return `${api.apiUrl.replace(/\/$/, '')}/api/v1/servers/localhost`;
}

async function call(api: PdnsApi, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base(api)}${path}`, {
    method,
    headers: { 'X-API-Key': api.apiKey, 'Content-Type': 'application/json', Accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * PowerDNS's SQLite backend answers 5xx while another writer holds the database (the worker, under
 * load): such answers and network errors are retried a few times, anything else is final.
 */
async function withRetries<T>(what: string, attempt: () => Promise<T | 'retry'>): Promise<T> {
  let last = '';
  for (let i = 1; i <= 8; i += 1) {
    try {
      const result = await attempt();
      if (result !== 'retry') return result;
      last = 'server busy';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 150 * i));
  }
  throw new Error(`${what}: gave up after 8 attempts (${last})`);
}

/** Creates `zone` with SOA-EDIT-API INCREASE and `rrsets`; returns its SOA serial right after. */
export async function createCountedZone(
  api: PdnsApi,
  zone: string,
  rrsets: readonly RRset[],
): Promise<number> {
  await withRetries(`create ${zone}`, async () => {
    const response = await call(api, 'POST', '/zones', {
      name: zone,
      kind: 'Native',
      soa_edit_api: 'INCREASE',
      nameservers: [`ns1.${zone}`],
      rrsets: rrsets.map((r) => ({
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        records: r.records.map((content) => ({ content, disabled: false })),
      })),
    });
    if (response.ok) return true;
    // A retry after a busy answer can find the zone made by the attempt that looked failed.
    if (response.status === 409) return true;
    if (response.status >= 500) return 'retry';
    throw new Error(`PowerDNS refused zone ${zone}: ${response.status} ${await response.text()}`);
  });
  return soaSerial(api, zone);
}

/** The zone's SOA serial as PowerDNS holds it. */
export async function soaSerial(api: PdnsApi, zone: string): Promise<number> {
  return withRetries(`read the SOA of ${zone}`, async () => {
    const response = await call(
      api,
      'GET',
      `/zones/${encodeURIComponent(zone)}?rrset_name=${encodeURIComponent(zone)}&rrset_type=SOA`,
    );
    if (response.status >= 500) return 'retry';
    if (!response.ok) throw new Error(`PowerDNS: zone ${zone} answered ${response.status}`);
    const body = (await response.json()) as {
      rrsets: { name: string; type: string; records: { content: string }[] }[];
    };
    // PowerDNS 4.7 answers a filtered read with the zone's commented RRsets too (records empty):
    // countersign's write stamps are comments, so pick the SOA itself.
    const soa = body.rrsets.find((r) => r.type === 'SOA' && r.name === zone);
    const serial = Number(soa?.records[0]?.content.split(/\s+/)[2]);
    if (!Number.isInteger(serial)) throw new Error(`PowerDNS: zone ${zone} has no readable SOA serial`);
    return serial;
  });
}

export async function deleteZone(api: PdnsApi, zone: string): Promise<void> {
  await withRetries(`delete ${zone}`, async () => {
    const response = await call(api, 'DELETE', `/zones/${encodeURIComponent(zone)}`);
    if (response.ok || response.status === 404) return true;
    return response.status >= 500 ? 'retry' : true;
  });
}

/** Deletes every zone a run created (names end in `.<runId>.chaos.test.`): for shared servers. */
export async function deleteZonesOfRun(api: PdnsApi, runId: string): Promise<number> {
  const response = await call(api, 'GET', '/zones');
  if (!response.ok) throw new Error(`PowerDNS: listing zones answered ${response.status}`);
  const suffix = `.${runId}.chaos.test.`;
  const zones = ((await response.json()) as { name: string }[])
    .map((z) => z.name)
    .filter((n) => n.endsWith(suffix));
  for (const zone of zones) await deleteZone(api, zone);
  return zones.length;
}
