import { randomBytes } from 'node:crypto';
import type { StatusEntry } from '../model';
import { EppError, refuse } from '../results';
import type { XmlElement } from '../xml';
import { childOf, childrenOf, requireChild, token } from '../xml';
import type { CommandContext, ParsedCommand } from './context';

/** The object namespaces, with the prefix the registry uses in its own frames. */
export interface ObjectNs {
  readonly prefix: 'domain' | 'host' | 'contact';
  readonly uri: string;
}

/** A required child's token value; an empty one is as good as missing (2003). */
export function requiredToken(el: XmlElement, ns: string, name: string): string {
  const value = token(requireChild(el, ns, name));
  if (value === '') throw new EppError(2003, `<${name}> must not be empty`);
  return value;
}

/**
 * The password in an <authInfo> (RFC 5731/5733 pwAuthInfoType), with its optional roid.
 * <ext> authorization is an option this registry does not implement (2102).
 */
export function authInfoOf(
  parent: XmlElement,
  ns: string,
): { pw: string; roid: string | undefined } | undefined {
  const authInfo = childOf(parent, ns, 'authInfo');
  if (authInfo === undefined) return undefined;
  if (childOf(authInfo, ns, 'ext') !== undefined)
    throw new EppError(2102, '<authInfo><ext> is not supported; use <pw>');
  const pw = childOf(authInfo, ns, 'pw');
  if (pw === undefined) throw new EppError(2003, '<authInfo> needs <pw>');
  // normalizedString: tabs and newlines become spaces, nothing is trimmed.
  return { pw: pw.text.replace(/[\t\n\r]/g, ' '), roid: pw.attrs.roid };
}

/** A <period unit="y|m">n</period> in months (RFC 5731 §2.5: 1-99 units, years or months). */
export function periodMonths(parent: XmlElement, ns: string, fallbackMonths: number): number {
  const period = childOf(parent, ns, 'period');
  if (period === undefined) return fallbackMonths;
  const value = token(period);
  const unit = period.attrs.unit;
  if (!/^\d{1,2}$/.test(value) || Number(value) < 1)
    throw refuse(2005, 'period must be a whole number from 1 to 99', {
      prefix: 'domain',
      uri: ns,
      name: 'period',
      text: value,
    });
  if (unit !== 'y' && unit !== 'm')
    throw refuse(2005, 'period unit must be "y" or "m"', {
      prefix: 'domain',
      uri: ns,
      name: 'period',
      text: value,
    });
  return unit === 'y' ? Number(value) * 12 : Number(value);
}

/** <status s="…" lang="…">text</status> elements of an add or remove block. */
export function statusesOf(parent: XmlElement | undefined, ns: string): StatusEntry[] {
  if (parent === undefined) return [];
  return childrenOf(parent, ns, 'status').map((el) => {
    const s = el.attrs.s;
    if (s === undefined || s === '') throw new EppError(2003, '<status> needs an "s" attribute');
    const text = el.text.trim();
    return {
      s,
      ...(el.attrs.lang === undefined ? {} : { lang: el.attrs.lang }),
      ...(text === '' ? {} : { text }),
    };
  });
}

/**
 * Checks the command's <extension> elements: each must be one the client declared at login and one
 * this command understands (RFC 5730 §2.9.1.1, §3: 2103 otherwise). Returns the understood ones.
 */
export function extensionsFor(
  ctx: CommandContext,
  command: ParsedCommand,
  allowed: readonly { ns: string; name: string }[],
): XmlElement[] {
  for (const ext of command.extensions) {
    if (!ctx.extensions.has(ext.ns))
      throw new EppError(2103, `extension ${ext.ns} was not declared at login (svcExtension)`);
    if (!allowed.some((a) => a.ns === ext.ns && a.name === ext.name))
      throw new EppError(
        2103,
        `extension element <${ext.name}> of ${ext.ns} is not supported with this command`,
      );
  }
  return [...command.extensions];
}

/** A fresh authInfo for a transferred domain: 16 characters, enough entropy, valid as a pw token. */
export function freshAuthInfo(): string {
  return randomBytes(12).toString('base64url');
}

/** Refuses a command from anyone but the object's sponsoring registrar (2201). */
export function requireSponsor(ctx: CommandContext, sponsor: string, what: string): void {
  if (sponsor !== ctx.clID) throw new EppError(2201, `${what} is sponsored by another registrar`);
}
