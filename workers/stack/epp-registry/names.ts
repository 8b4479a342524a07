import net from 'node:net';

/**
 * Domain and host names as this registry accepts them: ASCII letters, digits and hyphens (LDH,
 * RFC 1123), labels of 1-63 characters, at most 253 in all, compared lower-case, written without
 * the trailing dot (EPP's convention). A registered domain is exactly one label below a TLD the
 * registry serves.
 */

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normalizeName(text: string): string {
  return text.trim().toLowerCase().replace(/\.$/, '');
}

export function isHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').length >= 2 && name.split('.').every((l) => label.test(l));
}

/** TLDs as configured ("test." or "test"), normalised to "test". */
export function normalizeTlds(tlds: readonly string[]): string[] {
  return tlds.map(normalizeName);
}

/** The served TLD the name falls under (longest match), if any. */
export function tldOf(name: string, tlds: readonly string[]): string | undefined {
  return tlds
    .filter((tld) => name.endsWith(`.${tld}`))
    .sort((a, b) => b.length - a.length)
    .at(0);
}

/** The registrable domain a name falls under: the label directly below a served TLD. */
export function registrableDomainOf(name: string, tlds: readonly string[]): string | undefined {
  const tld = tldOf(name, tlds);
  if (tld === undefined) return undefined;
  const labels = name.slice(0, -(tld.length + 1)).split('.');
  return `${labels.at(-1)}.${tld}`;
}

/** True when the name is itself registrable: one label, then a served TLD. */
export function isRegistrable(name: string, tlds: readonly string[]): boolean {
  return isHostName(name) && registrableDomainOf(name, tlds) === name;
}

/** A host is subordinate (in-bailiwick) when it lies strictly below a domain of this registry. */
export function superordinateDomain(host: string, tlds: readonly string[]): string | undefined {
  const domain = registrableDomainOf(host, tlds);
  return domain !== undefined && domain !== host ? domain : undefined;
}

/** node:net's check, which refuses forms like "01.2.3.4" and "1.2.3" (see REFERENCE.md). */
export function ipVersion(addr: string): 'v4' | 'v6' | undefined {
  const version = net.isIP(addr);
  return version === 4 ? 'v4' : version === 6 ? 'v6' : undefined;
}
