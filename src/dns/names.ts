/** Domain-name rules shared by schemas, planning and policy. Names are ASCII, lowercase, absolute. */

const labelPattern = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lowercases and appends the root dot; does not validate. */
export function toAbsolute(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/**
 * Returns why `name` is not a valid absolute host or owner name, or undefined when it is.
 * A leading `*` label is accepted only when `allowWildcard` is set.
 */
export function nameProblem(name: string, allowWildcard: boolean): string | undefined {
  if (name === '.') return 'the root name is not allowed here';
  if (/[^\x00-\x7f]/.test(name)) return 'non-ASCII characters: convert the name to its punycode (xn--) form';
  const absolute = toAbsolute(name);
  if (absolute.length > 254) return 'longer than 253 characters';
  const labels = absolute.slice(0, -1).split('.');
  for (const [index, label] of labels.entries()) {
    if (label === '*' && index === 0 && allowWildcard) continue;
    if (label === '') return 'has an empty label (two dots in a row)';
    if (!labelPattern.test(label)) {
      return `label "${label}" must be 1-63 letters, digits, hyphens or underscores, not starting or ending with a hyphen`;
    }
  }
  return undefined;
}

export function isInZone(name: string, zone: string): boolean {
  const n = toAbsolute(name);
  const z = toAbsolute(zone);
  return n === z || n.endsWith(`.${z}`);
}

export function isApex(name: string, zone: string): boolean {
  return toAbsolute(name) === toAbsolute(zone);
}

export function isWildcard(name: string): boolean {
  return name.startsWith('*.');
}
