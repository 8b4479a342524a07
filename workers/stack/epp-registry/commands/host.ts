import type { Host, HostAddress, StatusEntry } from '../model';
import { ns } from '../namespaces';
import { ipVersion, isHostName, isRegistrable, normalizeName, superordinateDomain, tldOf } from '../names';
import { EppError, refuse } from '../results';
import { clientHostStatuses, hasStatus, hostStatuses, isHostLinked } from '../status';
import type { XmlElement, XmlObject } from '../xml';
import { childOf, childrenOf, onlyChildren, token } from '../xml';
import { extensionsFor, requiredToken, requireSponsor, statusesOf } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { statusElements } from './domain-xml';

/**
 * host:check, info, create, update, delete (RFC 5732). A host below a domain of this registry
 * (in-bailiwick: its glue is published in the TLD zone) needs at least one address and belongs to
 * the superordinate domain's sponsor; an external host must have none (RFC 5732 §3.2.1 leaves this
 * to policy; answering 2306 is what registries do). Renaming (host:chg) is not implemented.
 */

function hostValue(text: string, name = 'name') {
  return { prefix: 'host', uri: ns.host, name, text } as const;
}

function hostName(ctx: CommandContext, raw: string): string {
  const name = normalizeName(raw);
  if (!isHostName(name)) throw refuse(2005, 'not a valid host name (LDH labels)', hostValue(raw));
  return name;
}

function existingHost(ctx: CommandContext, raw: string): Host {
  const host = ctx.state.hosts[hostName(ctx, raw)];
  if (host === undefined) throw refuse(2303, 'no such host object', hostValue(raw));
  return host;
}

function addressesOf(parent: XmlElement | undefined): HostAddress[] {
  if (parent === undefined) return [];
  const list = childrenOf(parent, ns.host, 'addr').map((el): HostAddress => {
    const ip = el.attrs.ip ?? 'v4';
    const addr = token(el);
    if (ip !== 'v4' && ip !== 'v6') throw refuse(2005, 'ip must be "v4" or "v6"', hostValue(addr, 'addr'));
    if (ipVersion(addr) !== ip) throw refuse(2005, `not an IP${ip} address`, hostValue(addr, 'addr'));
    // Compare addresses in one form: node prints IPv6 compressed and lower-case.
    return {
      ip,
      addr: ip === 'v6' ? new URL(`http://[${addr}]`).hostname.slice(1, -1) : addr,
    };
  });
  const dup = list.find((a, i) => list.findIndex((b) => b.addr === a.addr) !== i);
  if (dup !== undefined) throw refuse(2306, 'the same address is listed twice', hostValue(dup.addr, 'addr'));
  return list;
}

export function hostCheck(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.host, ['name']);
  const names = childrenOf(el, ns.host, 'name').map(token);
  if (names.length === 0) throw new EppError(2003, '<host:check> needs at least one <host:name>');
  const cd = names.map((raw) => {
    const name = normalizeName(raw);
    const reason = !isHostName(name)
      ? 'Invalid host name'
      : ctx.state.hosts[name] !== undefined
        ? 'In use'
        : undefined;
    const entry: XmlObject = { 'host:name': { '@avail': reason === undefined ? '1' : '0', '#': raw } };
    if (reason !== undefined) entry['host:reason'] = reason;
    return entry;
  });
  return {
    code: 1000,
    resData: { 'host:chkData': { '@xmlns:host': ns.host, 'host:cd': cd } },
    changed: false,
    object: null,
  };
}

export function hostInfo(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.host, ['name']);
  const host = existingHost(ctx, requiredToken(el, ns.host, 'name'));
  const info: XmlObject = {
    '@xmlns:host': ns.host,
    'host:name': host.name,
    'host:roid': host.roid,
    'host:status': statusElements('host', hostStatuses(ctx.state, host)),
  };
  if (host.addrs.length > 0) info['host:addr'] = host.addrs.map((a) => ({ '@ip': a.ip, '#': a.addr }));
  info['host:clID'] = host.sponsor;
  info['host:crID'] = host.crID;
  info['host:crDate'] = host.crDate;
  if (host.upID !== undefined) info['host:upID'] = host.upID;
  if (host.upDate !== undefined) info['host:upDate'] = host.upDate;
  if (host.trDate !== undefined) info['host:trDate'] = host.trDate;
  return { code: 1000, resData: { 'host:infData': info }, changed: false, object: host.name };
}

/** Where a host may live and whether it needs addresses; refuses what the registry cannot serve. */
function placement(ctx: CommandContext, name: string, raw: string): { superordinate: string | undefined } {
  if (tldOf(name, ctx.policy.tlds) !== undefined && isRegistrable(name, ctx.policy.tlds))
    throw refuse(2306, 'a host cannot have the name of a registrable domain here', hostValue(raw));
  const superordinate = superordinateDomain(name, ctx.policy.tlds);
  if (superordinate === undefined) return { superordinate };
  const domain = ctx.state.domains[superordinate];
  if (domain === undefined)
    throw refuse(2303, `the superordinate domain ${superordinate} does not exist`, hostValue(raw));
  if (domain.sponsor !== ctx.clID)
    throw new EppError(2201, `the superordinate domain ${superordinate} is sponsored by another registrar`);
  return { superordinate };
}

export function hostCreate(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.host, ['name', 'addr']);
  const raw = requiredToken(el, ns.host, 'name');
  const name = hostName(ctx, raw);
  if (ctx.state.hosts[name] !== undefined)
    throw refuse(2302, 'the host object already exists', hostValue(raw));
  const { superordinate } = placement(ctx, name, raw);
  const addrs = addressesOf(el);
  if (superordinate !== undefined && addrs.length === 0)
    throw new EppError(
      2003,
      `${name} is below ${superordinate}, a domain of this registry: it needs an address (glue)`,
    );
  if (superordinate === undefined && addrs.length > 0)
    throw refuse(
      2306,
      'addresses are only accepted for hosts below a domain of this registry',
      hostValue(addrs[0]!.addr, 'addr'),
    );
  const now = ctx.clock.iso();
  ctx.state.hosts[name] = {
    name,
    roid: ctx.store.nextRoid('H'),
    sponsor: ctx.clID,
    crID: ctx.clID,
    crDate: now,
    statuses: [],
    addrs,
  };
  ctx.touch(name);
  return {
    code: 1000,
    resData: { 'host:creData': { '@xmlns:host': ns.host, 'host:name': name, 'host:crDate': now } },
    changed: true,
    object: name,
  };
}

function applyHostStatuses(host: Host, add: StatusEntry[], rem: StatusEntry[]): StatusEntry[] {
  let list = [...host.statuses];
  for (const s of rem) {
    if (!clientHostStatuses.includes(s.s) || !hasStatus(list, s.s))
      throw refuse(2306, `cannot remove the status ${s.s}`, hostValue(s.s, 'status'));
    list = list.filter((x) => x.s !== s.s);
  }
  for (const s of add) {
    if (!clientHostStatuses.includes(s.s) || hasStatus(list, s.s))
      throw refuse(2306, `cannot add the status ${s.s}`, hostValue(s.s, 'status'));
    list.push(s);
  }
  return list;
}

export function hostUpdate(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.host, ['name', 'add', 'rem', 'chg']);
  const host = existingHost(ctx, requiredToken(el, ns.host, 'name'));
  requireSponsor(ctx, host.sponsor, `host ${host.name}`);
  if (childOf(el, ns.host, 'chg') !== undefined)
    throw new EppError(2102, 'renaming host objects (host:chg) is not supported by this registry');
  const add = childOf(el, ns.host, 'add');
  const rem = childOf(el, ns.host, 'rem');
  for (const b of [add, rem]) if (b !== undefined) onlyChildren(b, ns.host, ['addr', 'status']);
  const addStatuses = statusesOf(add, ns.host);
  const remStatuses = statusesOf(rem, ns.host);
  const addAddrs = addressesOf(add);
  const remAddrs = addressesOf(rem);
  if (hasStatus(host.statuses, 'serverUpdateProhibited'))
    throw new EppError(2304, 'the host has serverUpdateProhibited');
  const unlockOnly =
    remStatuses.some((s) => s.s === 'clientUpdateProhibited') &&
    addStatuses.length + addAddrs.length + remAddrs.length === 0;
  if (hasStatus(host.statuses, 'clientUpdateProhibited') && !unlockOnly)
    throw new EppError(2304, 'the host has clientUpdateProhibited');
  const statuses = applyHostStatuses(host, addStatuses, remStatuses);
  let addrs = [...host.addrs];
  for (const a of remAddrs) {
    if (!addrs.some((x) => x.addr === a.addr))
      throw refuse(2306, 'the host has no such address', hostValue(a.addr, 'addr'));
    addrs = addrs.filter((x) => x.addr !== a.addr);
  }
  const superordinate = superordinateDomain(host.name, ctx.policy.tlds);
  for (const a of addAddrs) {
    if (superordinate === undefined)
      throw refuse(
        2306,
        'addresses are only accepted for hosts below a domain of this registry',
        hostValue(a.addr, 'addr'),
      );
    if (addrs.some((x) => x.addr === a.addr))
      throw refuse(2306, 'the host already has this address', hostValue(a.addr, 'addr'));
    addrs.push(a);
  }
  if (superordinate !== undefined && addrs.length === 0 && isHostLinked(ctx.state, host.name))
    throw new EppError(
      2306,
      'a name server in use below a domain of this registry keeps at least one address',
    );
  const changed = JSON.stringify([statuses, addrs]) !== JSON.stringify([host.statuses, host.addrs]);
  if (changed) {
    const addrsChanged = JSON.stringify(addrs) !== JSON.stringify(host.addrs);
    Object.assign(host, { statuses, addrs, upID: ctx.clID, upDate: ctx.clock.iso() });
    if (addrsChanged) ctx.touch(host.name);
  }
  return { code: 1000, changed, object: host.name };
}

export function hostDelete(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.host, ['name']);
  const host = existingHost(ctx, requiredToken(el, ns.host, 'name'));
  requireSponsor(ctx, host.sponsor, `host ${host.name}`);
  if (hasStatus(host.statuses, 'clientDeleteProhibited', 'serverDeleteProhibited'))
    throw new EppError(2304, 'the host has a delete-prohibited status');
  if (isHostLinked(ctx.state, host.name))
    throw refuse(2305, 'the host is a name server of a domain; remove it there first', hostValue(host.name));
  delete ctx.state.hosts[host.name];
  ctx.touch(host.name);
  return { code: 1000, changed: true, object: host.name };
}
