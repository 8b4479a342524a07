import type { Logger } from 'pino';
import { PowerDnsClient } from '../../../activities/powerdns/client';
import type { PowerDnsConfig } from '../../../activities/powerdns/client';
import type { RRset } from '../../../src/plan/plan';
import { sameRecords } from '../../../src/plan/plan';
import type { DelegationOptions } from './delegation';
import { desiredRrsets, publishedTypes, zoneOf } from './delegation';
import type { RegistryStore } from './store';

/**
 * Writes the registry's delegations into the TLD zones of a PowerDNS, so DNS queries see what the
 * registry holds: after each change, after `publishDelayMs` (default 0; tests raise it to exercise
 * a verifier's patience). Each owner name is reconciled as a whole (read, compare, write only
 * what differs: every PowerDNS write bumps the SOA serial). Names still to publish are kept in the
 * stored state, so a failure is retried with backoff and a restart resumes them; nothing is lost
 * silently.
 */

export interface PublisherOptions extends DelegationOptions {
  readonly pdns: PowerDnsConfig;
  readonly publishDelayMs: number;
  readonly logger: Logger;
}

const maxBackoffMs = 30_000;

export class Publisher {
  private readonly client: PowerDnsClient;
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;
  private readonly zonesReady = new Set<string>();

  constructor(
    private readonly store: RegistryStore,
    private readonly options: PublisherOptions,
  ) {
    this.client = new PowerDnsClient(options.pdns);
  }

  /** Names waiting to be written (the stored list) or being written now. */
  private get pending(): Set<string> {
    return new Set(this.store.state.unpublished);
  }

  /** True when the owner names' DNS data is in PowerDNS as the registry holds it. */
  isPublished(names: readonly string[]): boolean {
    const pending = this.pending;
    return names.every((n) => !pending.has(n) && !this.inFlight.has(n));
  }

  /** Called after a command listed names as unpublished (in the stored state); starts the delay. */
  schedule(): void {
    if (this.stopped || this.timer !== undefined || this.running !== undefined) return;
    if (this.store.state.unpublished.length === 0) return;
    const delay =
      this.failures === 0
        ? this.options.publishDelayMs
        : Math.min(1000 * 2 ** (this.failures - 1), maxBackoffMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, delay);
  }

  /** Queues every domain and host for a full reconciliation (at start, after a restart). */
  republishAll(): void {
    const all = [...Object.keys(this.store.state.domains), ...Object.keys(this.store.state.hosts)];
    this.store.state.unpublished = [...new Set([...this.store.state.unpublished, ...all])];
    this.store.save();
    this.schedule();
  }

  private async run(): Promise<void> {
    const names = [...this.store.state.unpublished];
    for (const n of names) this.inFlight.add(n);
    // Taken off the stored list now; put back below if writing fails. A change made meanwhile
    // lists the name again, and the next run writes the newer state.
    this.store.state.unpublished = this.store.state.unpublished.filter((n) => !names.includes(n));
    const failed: string[] = [];
    for (const name of names) {
      try {
        await this.reconcile(name);
      } catch (err) {
        failed.push(name);
        this.options.logger.warn(
          { name, err: (err as Error).message },
          'publishing to PowerDNS failed; will retry',
        );
      } finally {
        this.inFlight.delete(name);
      }
    }
    this.failures = failed.length === 0 ? 0 : this.failures + 1;
    this.store.state.unpublished = [...new Set([...this.store.state.unpublished, ...failed])];
    this.store.save();
  }

  private async ensureZone(zone: string): Promise<void> {
    if (this.zonesReady.has(zone)) return;
    if (!(await this.client.zoneExists(zone))) {
      const ns = `ns1.registry.${zone}`;
      try {
        await this.client.createZone(
          zone,
          [ns],
          [{ name: ns, type: 'A', ttl: this.options.ttl, records: ['127.0.0.1'] }],
        );
        this.options.logger.info({ zone }, 'created the TLD zone in PowerDNS');
      } catch (err) {
        // Another registry instance may have created it at the same moment.
        if (!(await this.client.zoneExists(zone))) throw err;
      }
    }
    this.zonesReady.add(zone);
  }

  private async reconcile(name: string): Promise<void> {
    const zone = zoneOf(name, this.options.tlds);
    if (zone === undefined) return;
    await this.ensureZone(zone);
    // Computed now, not when scheduled: the newest state is what gets written.
    const desired = desiredRrsets(this.store.state, name, this.options);
    for (const type of publishedTypes) {
      const want: RRset | null = desired.find((r) => r.type === type) ?? null;
      const have = await this.client.getRrset(zone, `${name}.`, type);
      const same =
        want === null
          ? have === null
          : have !== null && have.ttl === want.ttl && sameRecords(have.records, want.records);
      if (same) continue;
      await this.client.writeRrset(zone, `${name}.`, type, want);
      this.options.logger.info({ zone, name, type, records: want?.records ?? [] }, 'published');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
