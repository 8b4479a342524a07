import { ns } from '../namespaces';
import { isRegistrable, normalizeName } from '../names';
import { EppError } from '../results';
import { domainStatuses, subordinateHosts } from '../status';
import type { XmlObject } from '../xml';
import { childrenOf, onlyChildren, requireChild, token } from '../xml';
import { authInfoOf, extensionsFor } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { existingDomain } from './domain-lookup';
import { secDnsInfData, statusElements } from './domain-xml';

/** domain:check and domain:info (RFC 5731 §3.1.1, §3.1.2; RFC 5910 §5.1.2). */

/** Names registrars cannot take: the registry's own name server lives there. */
export function isReserved(name: string, tlds: readonly string[]): boolean {
  return tlds.some((tld) => name === `registry.${tld}`);
}

const maxCheckNames = 50;

export function domainCheck(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.domain, ['name']);
  const names = childrenOf(el, ns.domain, 'name').map(token);
  if (names.length === 0) throw new EppError(2003, '<domain:check> needs at least one <domain:name>');
  if (names.length > maxCheckNames) throw new EppError(2306, `at most ${maxCheckNames} names per check`);
  const cd = names.map((raw) => {
    const name = normalizeName(raw);
    const reason = !isRegistrable(name, ctx.policy.tlds)
      ? 'Not registrable here'
      : isReserved(name, ctx.policy.tlds)
        ? 'Reserved'
        : ctx.state.domains[name] !== undefined
          ? 'In use'
          : undefined;
    const entry: XmlObject = { 'domain:name': { '@avail': reason === undefined ? '1' : '0', '#': raw } };
    if (reason !== undefined) entry['domain:reason'] = reason;
    return entry;
  });
  return {
    code: 1000,
    resData: { 'domain:chkData': { '@xmlns:domain': ns.domain, 'domain:cd': cd } },
    changed: false,
    object: names.length === 1 ? normalizeName(names[0]!) : null,
  };
}

export function domainInfo(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.domain, ['name', 'authInfo']);
  const nameEl = requireChild(el, ns.domain, 'name');
  const domain = existingDomain(ctx.state, token(nameEl));
  const sponsor = domain.sponsor === ctx.clID;
  const auth = authInfoOf(el, ns.domain);
  // RFC 5731 §3.1.2: a non-sponsor who offers authInfo must offer the right one.
  if (!sponsor && auth !== undefined && (auth.pw !== domain.authInfo || domain.authInfo === ''))
    throw new EppError(2202, 'the authInfo does not match this domain');
  const hosts = nameEl.attrs.hosts ?? 'all';
  if (!['all', 'del', 'sub', 'none'].includes(hosts))
    throw new EppError(2005, `hosts="${hosts}" must be one of all, del, sub, none`);
  const info: XmlObject = {
    '@xmlns:domain': ns.domain,
    'domain:name': domain.name,
    'domain:roid': domain.roid,
    'domain:status': statusElements('domain', domainStatuses(domain)),
  };
  if (domain.registrant !== undefined) info['domain:registrant'] = domain.registrant;
  if (domain.contacts.length > 0)
    info['domain:contact'] = domain.contacts.map((c) => ({ '@type': c.type, '#': c.id }));
  if ((hosts === 'all' || hosts === 'del') && domain.ns.length > 0)
    info['domain:ns'] = { 'domain:hostObj': [...domain.ns] };
  const subordinates = subordinateHosts(ctx.state, domain.name);
  if ((hosts === 'all' || hosts === 'sub') && subordinates.length > 0) info['domain:host'] = subordinates;
  info['domain:clID'] = domain.sponsor;
  info['domain:crID'] = domain.crID;
  info['domain:crDate'] = domain.crDate;
  if (domain.upID !== undefined) info['domain:upID'] = domain.upID;
  if (domain.upDate !== undefined) info['domain:upDate'] = domain.upDate;
  info['domain:exDate'] = domain.exDate;
  if (domain.trDate !== undefined) info['domain:trDate'] = domain.trDate;
  // The secret goes to the sponsoring registrar only (RFC 5731 §3.1.2).
  if (sponsor && domain.authInfo !== '') info['domain:authInfo'] = { 'domain:pw': domain.authInfo };
  const outcome: Outcome = {
    code: 1000,
    resData: { 'domain:infData': info },
    changed: false,
    object: domain.name,
  };
  // RFC 5910 §4: DNSSEC data only to clients that declared secDNS-1.1 at login.
  if (domain.ds.length > 0 && ctx.extensions.has(ns.secDNS))
    return { ...outcome, extension: secDnsInfData(domain.ds) };
  return outcome;
}
