import { ApplicationFailure } from '@temporalio/common';
import type { RRset } from '../../src/plan/plan';
import { FailureType } from '../../src/failures';
import { recordTypeSpec } from '../../src/dns/record-types';
import { toAbsolute } from '../../src/dns/names';

export interface PowerDnsConfig {
  /** e.g. http://127.0.0.1:8081 */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly serverId?: string;
}

interface ApiRrset {
  name: string;
  type: string;
  ttl: number;
  records: { content: string; disabled: boolean }[];
  comments?: ApiComment[];
}

/** A PowerDNS RRset comment (kept per RRset, written in the same PATCH as the records). */
interface ApiComment {
  content: string;
  account: string;
  modified_at?: number;
}

/** The `account` of the comments countersign writes: whose they are, so only they are replaced. */
export const stampAccount = 'countersign';

/** One RRset as PowerDNS holds it: the records (null when absent) and the stamps countersign left on it. */
export interface StampedRrset {
  readonly rrset: RRset | null;
  /** Contents of the comments with account {@link stampAccount}, oldest first. */
  readonly stamps: readonly string[];
}

/**
 * A thin client for the PowerDNS Authoritative HTTP API. Errors become typed Temporal failures:
 * 404 and 422 are final, 5xx and network errors are retried by Temporal.
 */
/** The zone fields that tell whether its content moved (GET zone with `rrsets=false`). */
interface ZoneHead {
  serial?: number;
  edited_serial?: number;
  soa_edit_api?: string;
}

const zoneCountReuseMs = 60_000;
const maxKeptZoneCounts = 1_000;

export class PowerDnsClient {
  private readonly base: string;
  private readonly zoneCounts = new Map<string, { version: string; records: number; at: number }>();

  constructor(private readonly config: PowerDnsConfig) {
    // Checked here, once: a key that is not a valid header value would otherwise surface inside a
    // fetch error message, and from there in failures, history and evidence.
    if (!/^[\x21-\x7e]{8,}$/.test(config.apiKey)) {
      throw new Error('PowerDNS API key must be at least 8 printable ASCII characters without spaces');
    }
    this.base = `${config.apiUrl.replace(/\/$/, '')}/api/v1/servers/${config.serverId ?? 'localhost'}`;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          'X-API-Key': this.config.apiKey,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw ApplicationFailure.create({
        type: FailureType.ProviderUnavailable,
        message: `PowerDNS API unreachable: ${this.scrub((err as Error).message)}`,
      });
    }
    const text = await response.text();
    if (response.ok) return text === '' ? undefined : (JSON.parse(text) as unknown);
    const detail = (() => {
      try {
        return (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        return text;
      }
    })();
    const message = this.scrub(`PowerDNS ${method} ${path} answered ${response.status}: ${detail}`);
    if (response.status === 404)
      throw ApplicationFailure.create({ type: FailureType.ZoneNotFound, message, nonRetryable: true });
    if (response.status === 401 || response.status === 403) {
      throw ApplicationFailure.create({
        type: FailureType.ProviderMisconfigured,
        message: `${message} (check the API key)`,
        nonRetryable: true,
      });
    }
    if (response.status === 422 || response.status === 400) {
      throw ApplicationFailure.create({ type: FailureType.ProviderRejected, message, nonRetryable: true });
    }
    throw ApplicationFailure.create({ type: FailureType.ProviderUnavailable, message });
  }

  /** Belt and braces: no error text leaves this client carrying the key. */
  private scrub(text: string): string {
    return text.split(this.config.apiKey).join('[redacted]');
  }

  private zonePath(zone: string): string {
    return `/zones/${encodeURIComponent(toAbsolute(zone))}`;
  }

  /** Reads one RRset (server-side filtered); null when absent. Records come back canonical. */
  async getRrset(zone: string, name: string, type: string): Promise<RRset | null> {
    return (await this.getStampedRrset(zone, name, type)).rrset;
  }

  /** Reads one RRset with the stamps countersign's writes left on it (see {@link writeRrset}). */
  async getStampedRrset(zone: string, name: string, type: string): Promise<StampedRrset> {
    const match = await this.apiRrset(zone, name, type);
    if (match === undefined) return { rrset: null, stamps: [] };
    const spec = recordTypeSpec(type);
    const records = match.records
      .filter((r) => !r.disabled)
      .map((r) => {
        const parsed = spec.parse(r.content);
        // Content PowerDNS holds but we cannot parse is kept verbatim: it can only compare unequal.
        return parsed.ok ? parsed.content : r.content;
      })
      .sort();
    const stamps = (match.comments ?? [])
      .filter((c) => c.account === stampAccount)
      .sort((a, b) => (a.modified_at ?? 0) - (b.modified_at ?? 0))
      .map((c) => c.content);
    if (records.length === 0) return { rrset: null, stamps };
    return { rrset: { name: match.name, type: match.type, ttl: match.ttl, records }, stamps };
  }

  private async apiRrset(zone: string, name: string, type: string): Promise<ApiRrset | undefined> {
    const query = `?rrset_name=${encodeURIComponent(toAbsolute(name))}&rrset_type=${encodeURIComponent(type)}`;
    const body = (await this.request('GET', `${this.zonePath(zone)}${query}`)) as { rrsets: ApiRrset[] };
    // PowerDNS 4.7 also lists the zone's other commented RRsets here (records empty): match exactly.
    return body.rrsets.find((r) => r.name === toAbsolute(name) && r.type === type);
  }

  /**
   * Replaces (or, with `rrset` null, deletes) one RRset in a single all-or-nothing PATCH. With a
   * `stamp`, the same PATCH leaves it as a comment on the RRset (account {@link stampAccount}),
   * in place of countersign's earlier stamp; other people's comments on it are kept. A deleted
   * RRset keeps no comments, so a delete carries no stamp.
   */
  async writeRrset(
    zone: string,
    name: string,
    type: string,
    rrset: RRset | null,
    stamp?: string,
  ): Promise<void> {
    let change: Record<string, unknown>;
    if (rrset === null) change = { name: toAbsolute(name), type, changetype: 'DELETE' };
    else {
      change = {
        name: rrset.name,
        type: rrset.type,
        ttl: rrset.ttl,
        changetype: 'REPLACE',
        records: rrset.records.map((content) => ({ content, disabled: false })),
      };
      if (stamp !== undefined) {
        // PowerDNS replaces an RRset's comments whole: the others are read and written back.
        const others = ((await this.apiRrset(zone, name, type))?.comments ?? []).filter(
          (c) => c.account !== stampAccount,
        );
        change.comments = [
          ...others.map((c) => ({ content: c.content, account: c.account, modified_at: c.modified_at })),
          { content: stamp, account: stampAccount },
        ];
      }
    }
    await this.request('PATCH', this.zonePath(zone), { rrsets: [change] });
  }

  /**
   * Records in the zone (all RRsets), for blast-radius shares. Counting reads the whole zone (half
   * a second at 100,000 records), so a count is reused while the zone's serial has not moved: with
   * SOA-EDIT-API set, PowerDNS moves it on every API write. Zones without it are counted every
   * time, and a kept count is read again after a minute in any case, for edits that bypass the API.
   */
  async countRecords(zone: string): Promise<number> {
    const head = (await this.request('GET', `${this.zonePath(zone)}?rrsets=false`)) as ZoneHead;
    const version =
      typeof head.soa_edit_api === 'string' && head.soa_edit_api !== ''
        ? `${String(head.serial)}/${String(head.edited_serial)}`
        : null;
    const key = toAbsolute(zone);
    const kept = this.zoneCounts.get(key);
    if (version !== null && kept?.version === version && Date.now() - kept.at < zoneCountReuseMs)
      return kept.records;
    const body = (await this.request('GET', this.zonePath(zone))) as { rrsets: ApiRrset[] };
    const records = body.rrsets.reduce((sum, r) => sum + r.records.length, 0);
    this.zoneCounts.delete(key);
    if (version !== null) {
      this.zoneCounts.set(key, { version, records, at: Date.now() });
      // Oldest first (insertion order): a worker serving many zones keeps the recent ones.
      if (this.zoneCounts.size > maxKeptZoneCounts)
        this.zoneCounts.delete(this.zoneCounts.keys().next().value as string);
    }
    return records;
  }

  async zoneExists(zone: string): Promise<boolean> {
    try {
      await this.request('GET', `${this.zonePath(zone)}?rrsets=false`);
      return true;
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === FailureType.ZoneNotFound) return false;
      throw err;
    }
  }

  async createZone(zone: string, nameservers: readonly string[], rrsets: readonly RRset[]): Promise<void> {
    await this.request('POST', '/zones', {
      name: toAbsolute(zone),
      kind: 'Native',
      nameservers: nameservers.map(toAbsolute),
      rrsets: rrsets.map((r) => ({
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        records: r.records.map((content) => ({ content, disabled: false })),
      })),
    });
  }

  async deleteZone(zone: string): Promise<void> {
    await this.request('DELETE', this.zonePath(zone));
  }
}
