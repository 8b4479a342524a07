import type { RoleCount } from '../policy/decision';

/**
 * Seats an approval request has: one per required role holder, plus "any approver" seats up to
 * the total count. Approvers fill distinct seats; an approver whose roles are unknown (no
 * directory) may fill any seat.
 */
export function seatsOf(count: number, roles: readonly RoleCount[]): string[] {
  const named = roles.flatMap((r) => Array.from({ length: r.count }, () => r.role));
  return [...named, ...Array.from({ length: Math.max(0, count - named.length) }, () => '*')];
}

function canSit(seat: string, roles: readonly string[] | undefined): boolean {
  return seat === '*' || roles === undefined || roles.includes(seat);
}

/** A largest seating of distinct approvers (bipartite matching by augmenting paths): seat → approver index or -1. */
export function seating(
  seats: readonly string[],
  approvers: readonly (readonly string[] | undefined)[],
): number[] {
  const holder = new Array<number>(seats.length).fill(-1);
  const tryPlace = (a: number, seen: boolean[]): boolean => {
    for (let s = 0; s < seats.length; s += 1) {
      if (seen[s] === true || !canSit(seats[s] as string, approvers[a])) continue;
      seen[s] = true;
      const current = holder[s] as number;
      if (current === -1 || tryPlace(current, seen)) {
        holder[s] = a;
        return true;
      }
    }
    return false;
  };
  for (let a = 0; a < approvers.length; a += 1) tryPlace(a, []);
  return holder;
}

export function seatsFilled(
  seats: readonly string[],
  approvers: readonly (readonly string[] | undefined)[],
): number {
  return seating(seats, approvers).filter((h) => h !== -1).length;
}

/** The seats a largest seating leaves empty, e.g. "1 service-owner + 1 more approver". */
export function missingSeats(
  seats: readonly string[],
  approvers: readonly (readonly string[] | undefined)[],
): string {
  const holder = seating(seats, approvers);
  const missing = new Map<string, number>();
  holder.forEach((h, s) => {
    if (h === -1) missing.set(seats[s] as string, (missing.get(seats[s] as string) ?? 0) + 1);
  });
  return [...missing.entries()]
    .map(([role, n]) => `${n} ${role === '*' ? 'more approver' : role}`)
    .join(' + ');
}
