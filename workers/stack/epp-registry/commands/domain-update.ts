import type { Domain, DomainContact, DsData, StatusEntry } from '../model';
import { ns } from '../namespaces';
import { EppError, refuse } from '../results';
import { clientDomainStatuses, hasStatus, isOnHold } from '../status';
import type { XmlElement } from '../xml';
import { childOf, onlyChildren, token } from '../xml';
import { authInfoOf, extensionsFor, requiredToken, requireSponsor, statusesOf } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { existingDomain } from './domain-lookup';
import { contactsOf, hostObjValue, nsNames, requireContact, requireHosts } from './domain-refs';
import type { SecDnsUpdate } from './secdns';
import { parseSecDnsUpdate, sameDs } from './secdns';

/**
 * domain:update (RFC 5731 §3.2.5) with secDNS:update (RFC 5910 §5.2.5). Removals are applied
 * before additions. Adding what is already there, or removing what is not, is refused with 2306
 * naming the value (as registries do for statuses), so a client must read before it retries; an
 * update that changes nothing (empty add/rem/chg, the same registrant) still answers 1000, and the
 * transaction log records changed=false.
 */

interface Delta {
  readonly addNs: string[];
  readonly remNs: string[];
  readonly addContacts: DomainContact[];
  readonly remContacts: DomainContact[];
  readonly addStatuses: StatusEntry[];
  readonly remStatuses: StatusEntry[];
  readonly registrant: string | undefined;
  readonly authInfo: string | undefined;
  readonly secDns: SecDnsUpdate | undefined;
}

function block(el: XmlElement, name: string): XmlElement | undefined {
  const found = childOf(el, ns.domain, name);
  if (found !== undefined)
    onlyChildren(found, ns.domain, name === 'chg' ? ['registrant', 'authInfo'] : ['ns', 'contact', 'status']);
  return found;
}

function parseDelta(ctx: CommandContext, command: ParsedCommand, el: XmlElement): Delta {
  const exts = extensionsFor(ctx, command, [{ ns: ns.secDNS, name: 'update' }]);
  onlyChildren(el, ns.domain, ['name', 'add', 'rem', 'chg']);
  const add = block(el, 'add');
  const rem = block(el, 'rem');
  const chg = block(el, 'chg');
  const registrantEl = chg === undefined ? undefined : childOf(chg, ns.domain, 'registrant');
  let authInfo: string | undefined;
  if (chg !== undefined && childOf(chg, ns.domain, 'authInfo') !== undefined) {
    const authEl = childOf(chg, ns.domain, 'authInfo')!;
    // <domain:null/> removes the authInfo (RFC 5731 §3.2.5): no transfer can then be requested.
    authInfo = childOf(authEl, ns.domain, 'null') !== undefined ? '' : authInfoOf(chg, ns.domain)!.pw;
  }
  return {
    addNs: nsNames(add),
    remNs: nsNames(rem),
    addContacts: contactsOf(add),
    remContacts: contactsOf(rem),
    addStatuses: statusesOf(add, ns.domain),
    remStatuses: statusesOf(rem, ns.domain),
    registrant: registrantEl === undefined ? undefined : token(registrantEl),
    authInfo,
    secDns: exts.length > 0 ? parseSecDnsUpdate(exts[0]!) : undefined,
  };
}

function statusValue(s: string) {
  return { prefix: 'domain', uri: ns.domain, name: 'status', text: s } as const;
}

/**
 * RFC 5731 §2.3: with clientUpdateProhibited "requests to update the object (other than to remove
 * this status) MUST be rejected". An update that removes it, and otherwise only removes other
 * client*Prohibited statuses, is allowed; serverUpdateProhibited cannot be lifted by a client.
 */
function checkUpdateProhibited(domain: Domain, delta: Delta): void {
  if (hasStatus(domain.statuses, 'serverUpdateProhibited'))
    throw new EppError(2304, 'the domain has serverUpdateProhibited');
  if (!hasStatus(domain.statuses, 'clientUpdateProhibited')) return;
  const onlyUnlocks =
    delta.remStatuses.some((s) => s.s === 'clientUpdateProhibited') &&
    delta.remStatuses.every((s) => /^client\w*Prohibited$/.test(s.s)) &&
    delta.addNs.length + delta.remNs.length + delta.addContacts.length + delta.remContacts.length === 0 &&
    delta.addStatuses.length === 0 &&
    delta.registrant === undefined &&
    delta.authInfo === undefined &&
    delta.secDns === undefined;
  if (!onlyUnlocks)
    throw new EppError(
      2304,
      'the domain has clientUpdateProhibited: the only update allowed is one that removes that status',
    );
}

function applyStatuses(domain: Domain, delta: Delta): StatusEntry[] {
  let statuses = [...domain.statuses];
  for (const s of delta.remStatuses) {
    if (!clientDomainStatuses.includes(s.s))
      throw refuse(2306, `a client cannot remove the status ${s.s}`, statusValue(s.s));
    if (!hasStatus(statuses, s.s))
      throw refuse(2306, `the domain does not have the status ${s.s}`, statusValue(s.s));
    statuses = statuses.filter((x) => x.s !== s.s);
  }
  for (const s of delta.addStatuses) {
    if (!clientDomainStatuses.includes(s.s))
      throw refuse(
        2306,
        `a client cannot set the status ${s.s}; it may set ${clientDomainStatuses.join(', ')}`,
        statusValue(s.s),
      );
    if (hasStatus(statuses, s.s))
      throw refuse(2306, `the domain already has the status ${s.s}`, statusValue(s.s));
    statuses.push(s);
  }
  return statuses;
}

function applyNs(ctx: CommandContext, domain: Domain, delta: Delta): string[] {
  let list = [...domain.ns];
  for (const name of delta.remNs) {
    if (!list.includes(name))
      throw refuse(2306, `${name} is not a name server of this domain`, hostObjValue(name));
    list = list.filter((n) => n !== name);
  }
  requireHosts(ctx, delta.addNs);
  for (const name of delta.addNs) {
    if (list.includes(name))
      throw refuse(2306, `${name} is already a name server of this domain`, hostObjValue(name));
    list.push(name);
  }
  const touched = delta.addNs.length + delta.remNs.length > 0;
  if (touched && list.length > ctx.policy.maxNs)
    throw new EppError(
      2306,
      `at most ${ctx.policy.maxNs} name servers per domain; this update leaves ${list.length}`,
    );
  if (touched && list.length < ctx.policy.minNs)
    throw new EppError(
      2306,
      `at least ${ctx.policy.minNs} name servers per domain; this update leaves ${list.length}`,
    );
  return list;
}

function applyContacts(ctx: CommandContext, domain: Domain, delta: Delta): DomainContact[] {
  const same = (a: DomainContact, b: DomainContact) => a.type === b.type && a.id === b.id;
  const value = (c: DomainContact) =>
    ({ prefix: 'domain', uri: ns.domain, name: 'contact', text: c.id }) as const;
  let list = [...domain.contacts];
  for (const c of delta.remContacts) {
    if (!list.some((x) => same(x, c))) throw refuse(2306, `${c.id} is not the ${c.type} contact`, value(c));
    list = list.filter((x) => !same(x, c));
  }
  for (const c of delta.addContacts) {
    requireContact(ctx, c.id, 'contact');
    if (list.some((x) => same(x, c)))
      throw refuse(2306, `${c.id} already is the ${c.type} contact`, value(c));
    list.push(c);
  }
  return list;
}

function applyDs(ctx: CommandContext, domain: Domain, update: SecDnsUpdate | undefined): DsData[] {
  if (update === undefined) return domain.ds;
  const value = (d: DsData) =>
    ({ prefix: 'secDNS', uri: ns.secDNS, name: 'digest', text: d.digest }) as const;
  let list = update.removeAll ? [] : [...domain.ds];
  for (const d of update.remove) {
    if (!list.some((x) => sameDs(x, d)))
      throw refuse(2306, `the domain has no DS with key tag ${d.keyTag} and this digest`, value(d));
    list = list.filter((x) => !sameDs(x, d));
  }
  for (const d of update.add) {
    if (list.some((x) => sameDs(x, d)))
      throw refuse(2306, `the domain already has this DS (key tag ${d.keyTag})`, value(d));
    list.push(d);
  }
  if (list.length > ctx.policy.maxDs)
    throw new EppError(2306, `at most ${ctx.policy.maxDs} DS records per domain`);
  return list;
}

export function domainUpdate(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  const domain = existingDomain(ctx.state, requiredToken(el, ns.domain, 'name'));
  requireSponsor(ctx, domain.sponsor, `domain ${domain.name}`);
  const delta = parseDelta(ctx, command, el);
  if (domain.transfer?.trStatus === 'pending')
    throw new EppError(2304, 'the domain has a pending transfer (pendingTransfer)');
  checkUpdateProhibited(domain, delta);
  const statuses = applyStatuses(domain, delta);
  const nameServers = applyNs(ctx, domain, delta);
  const contacts = applyContacts(ctx, domain, delta);
  if (delta.registrant !== undefined && delta.registrant !== '')
    requireContact(ctx, delta.registrant, 'registrant');
  const ds = applyDs(ctx, domain, delta.secDns);
  const next: Domain = {
    ...domain,
    statuses,
    ns: nameServers,
    contacts,
    ds,
    ...(delta.authInfo === undefined ? {} : { authInfo: delta.authInfo }),
  };
  if (delta.registrant !== undefined) {
    if (delta.registrant === '') delete next.registrant;
    else next.registrant = delta.registrant;
  }
  const changed = JSON.stringify(next) !== JSON.stringify(domain);
  if (changed) {
    ctx.state.domains[domain.name] = { ...next, upID: ctx.clID, upDate: ctx.clock.iso() };
    const dnsChanged =
      JSON.stringify([domain.ns, domain.ds, isOnHold(domain)]) !==
      JSON.stringify([next.ns, next.ds, isOnHold(next)]);
    if (dnsChanged) ctx.touch(domain.name, ...domain.ns, ...next.ns);
  }
  return { code: 1000, changed, object: domain.name };
}
