import type { RegistryStore } from './store';

/**
 * The registry's notion of now: the wall clock plus an offset the admin API can advance (POST
 * /clock), so tests reach a transfer's auto-approval date without waiting days. The offset is part
 * of the stored state, so dates stay monotonic across a restart.
 */
export class RegistryClock {
  constructor(private readonly store: RegistryStore) {}

  now(): Date {
    return new Date(Date.now() + this.store.state.clockOffsetMs);
  }

  iso(): string {
    return this.now().toISOString();
  }

  advance(ms: number): void {
    this.store.state.clockOffsetMs += ms;
  }
}

/** Adds calendar months (EPP periods are whole years or months), keeping the time of day. */
export function addMonths(iso: string, months: number): string {
  const date = new Date(iso);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString();
}
