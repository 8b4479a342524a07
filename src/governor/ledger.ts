import type { BudgetKind, BudgetLimit } from './limits';

/**
 * What a scope has spent: one entry per charge, kept while it can still count in a rolling window.
 * `key` makes a charge idempotent: a change asking twice (a retried activity, a re-staged plan) is
 * charged once.
 */
export interface Charge {
  readonly kind: BudgetKind;
  readonly key: string;
  readonly changeId: string;
  readonly at: number;
  readonly amount: number;
}

/** How long charges of a kind without a budget are kept for `governor status`. */
export const unbudgetedWindowSeconds = 3600;

export function inWindow(charge: Charge, windowSeconds: number, now: number): boolean {
  return charge.at > now - windowSeconds * 1000;
}

/** The amount of `kind` spent in the window ending at `now`. */
export function used(
  charges: readonly Charge[],
  kind: BudgetKind,
  windowSeconds: number,
  now: number,
): number {
  let total = 0;
  for (const c of charges) if (c.kind === kind && inWindow(c, windowSeconds, now)) total += c.amount;
  return total;
}

export function hasCharge(charges: readonly Charge[], key: string): boolean {
  return charges.some((c) => c.key === key);
}

/** Whether `amount` more fits under the budget now; no budget always fits. */
export function fits(
  charges: readonly Charge[],
  kind: BudgetKind,
  budget: BudgetLimit | undefined,
  amount: number,
  now: number,
): boolean {
  if (budget === undefined) return true;
  return used(charges, kind, budget.windowSeconds, now) + amount <= budget.limit;
}

/**
 * When `amount` more next fits: the moment enough of the oldest charges in the window have aged
 * out. Null when it never will (the amount alone exceeds the limit) or there is no budget.
 */
export function fitsAt(
  charges: readonly Charge[],
  kind: BudgetKind,
  budget: BudgetLimit | undefined,
  amount: number,
  now: number,
): number | null {
  if (budget === undefined || amount > budget.limit) return null;
  const window = budget.windowSeconds * 1000;
  const live = charges
    .filter((c) => c.kind === kind && inWindow(c, budget.windowSeconds, now))
    .sort((a, b) => a.at - b.at);
  let total = live.reduce((sum, c) => sum + c.amount, 0);
  if (total + amount <= budget.limit) return now;
  for (const c of live) {
    total -= c.amount;
    if (total + amount <= budget.limit) return c.at + window;
  }
  return null;
}

/** Adds a charge unless one with the same key exists. */
export function charge(charges: Charge[], entry: Charge): void {
  if (!hasCharge(charges, entry.key)) charges.push(entry);
}

export function refund(charges: Charge[], key: string): void {
  const index = charges.findIndex((c) => c.key === key);
  if (index >= 0) charges.splice(index, 1);
}

/** Drops charges that no window can count any more. */
export function prune(
  charges: readonly Charge[],
  budgets: Partial<Record<BudgetKind, BudgetLimit>>,
  now: number,
): Charge[] {
  return charges.filter((c) => inWindow(c, budgets[c.kind]?.windowSeconds ?? unbudgetedWindowSeconds, now));
}
