import type { DsData } from '../model';
import { ns } from '../namespaces';
import { EppError, refuse } from '../results';
import type { XmlElement } from '../xml';
import { childOf, childrenOf, onlyChildren, token } from '../xml';

/**
 * The secDNS-1.1 extension (RFC 5910), dsData interface only. What this registry does not offer
 * is refused the way RFC 5910 §4 and §5.2.5 say: maxSigLife and urgent="true" are options it does
 * not implement (2102); keyData (the key data interface) is against its policy (2306).
 */

/** Digest lengths in hex characters per digest type (RFC 4034, 4509, 6605 registry). */
const digestHexLength: Readonly<Record<number, number>> = { 1: 40, 2: 64, 4: 96 };

function dsValue(text: string) {
  return { prefix: 'secDNS', uri: ns.secDNS, name: 'digest', text } as const;
}

function uint(el: XmlElement, name: string, max: number): number {
  const text = token(childOf(el, ns.secDNS, name));
  if (text === '') throw new EppError(2003, `<secDNS:${name}> is required in <secDNS:dsData>`);
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw refuse(2005, `${name} must be an integer from 0 to ${max}`, {
      prefix: 'secDNS',
      uri: ns.secDNS,
      name,
      text,
    });
  return Number(text);
}

export function parseDsData(el: XmlElement): DsData {
  onlyChildren(el, ns.secDNS, ['keyTag', 'alg', 'digestType', 'digest', 'keyData']);
  if (childOf(el, ns.secDNS, 'keyData') !== undefined)
    throw new EppError(2306, 'keyData is not accepted: this registry offers the dsData interface only');
  const keyTag = uint(el, 'keyTag', 65535);
  const alg = uint(el, 'alg', 255);
  const digestType = uint(el, 'digestType', 255);
  const digest = token(childOf(el, ns.secDNS, 'digest'));
  if (digest === '') throw new EppError(2003, '<secDNS:digest> is required in <secDNS:dsData>');
  if (!/^([0-9a-fA-F]{2})+$/.test(digest)) throw refuse(2005, 'digest must be hexadecimal', dsValue(digest));
  const expected = digestHexLength[digestType];
  if (expected !== undefined && digest.length !== expected)
    throw refuse(
      2306,
      `a digest of type ${digestType} has ${expected} hex characters, not ${digest.length}`,
      dsValue(digest),
    );
  return { keyTag, alg, digestType, digest: digest.toUpperCase() };
}

export function sameDs(a: DsData, b: DsData): boolean {
  return a.keyTag === b.keyTag && a.alg === b.alg && a.digestType === b.digestType && a.digest === b.digest;
}

function refuseUnsupported(el: XmlElement): void {
  if (childOf(el, ns.secDNS, 'maxSigLife') !== undefined)
    throw new EppError(2102, 'maxSigLife is not supported by this registry');
  if (childOf(el, ns.secDNS, 'keyData') !== undefined)
    throw new EppError(2306, 'keyData is not accepted: this registry offers the dsData interface only');
}

/** <secDNS:create>: the DS set of a new domain. */
export function parseSecDnsCreate(el: XmlElement): DsData[] {
  refuseUnsupported(el);
  onlyChildren(el, ns.secDNS, ['dsData']);
  return childrenOf(el, ns.secDNS, 'dsData').map(parseDsData);
}

export interface SecDnsUpdate {
  readonly removeAll: boolean;
  readonly remove: readonly DsData[];
  readonly add: readonly DsData[];
}

/** <secDNS:update>: removals (a list, or all) then additions (RFC 5910 §5.2.5 order). */
export function parseSecDnsUpdate(el: XmlElement): SecDnsUpdate {
  onlyChildren(el, ns.secDNS, ['rem', 'add', 'chg']);
  const urgent = el.attrs.urgent;
  if (urgent === 'true' || urgent === '1')
    throw new EppError(2102, 'urgent updates are not supported by this registry');
  if (childOf(el, ns.secDNS, 'chg') !== undefined)
    throw new EppError(2102, 'maxSigLife (secDNS:chg) is not supported by this registry');
  const rem = childOf(el, ns.secDNS, 'rem');
  const add = childOf(el, ns.secDNS, 'add');
  let removeAll = false;
  let remove: DsData[] = [];
  if (rem !== undefined) {
    refuseUnsupported(rem);
    onlyChildren(rem, ns.secDNS, ['all', 'dsData']);
    const all = childOf(rem, ns.secDNS, 'all');
    if (all !== undefined) {
      const value = token(all);
      if (!['true', 'false', '1', '0'].includes(value))
        throw refuse(2005, '<secDNS:all> must be a boolean', {
          prefix: 'secDNS',
          uri: ns.secDNS,
          name: 'all',
          text: value,
        });
      removeAll = value === 'true' || value === '1';
    }
    remove = childrenOf(rem, ns.secDNS, 'dsData').map(parseDsData);
  }
  let additions: DsData[] = [];
  if (add !== undefined) {
    refuseUnsupported(add);
    onlyChildren(add, ns.secDNS, ['dsData']);
    additions = childrenOf(add, ns.secDNS, 'dsData').map(parseDsData);
  }
  return { removeAll, remove, add: additions };
}
