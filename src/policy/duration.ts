/** Durations in policy files: `90s`, `15m`, `4h`, `30d`, or combinations such as `1h30m`. */
const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
export const durationPattern = /^(\d+[smhd])+$/;

export function parseDuration(text: string): number {
  if (!durationPattern.test(text)) throw new Error(`not a duration: ${text}`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g))
    total += Number(amount) * (unitSeconds[unit as string] as number);
  return total;
}

export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
