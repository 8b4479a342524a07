import type { Contact, PostalInfo } from '../model';
import { ns } from '../namespaces';
import { EppError, refuse } from '../results';
import { contactStatuses, hasStatus, isContactLinked } from '../status';
import type { XmlElement, XmlObject } from '../xml';
import { childOf, childrenOf, onlyChildren, token } from '../xml';
import { authInfoOf, extensionsFor, requiredToken, requireSponsor } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { statusElements } from './domain-xml';

/**
 * contact:check, info, create, delete (RFC 5733): enough to seed and reference contacts. A
 * contact's authInfo is a secret like a domain's: only its sponsor sees it. contact:update and
 * contact:transfer are not implemented (2101).
 */

function contactValue(text: string, name = 'id') {
  return { prefix: 'contact', uri: ns.contact, name, text } as const;
}

function contactId(raw: string): string {
  if (raw.length < 3 || raw.length > 16 || /\s/.test(raw))
    throw refuse(2005, 'a contact id has 3 to 16 characters and no spaces', contactValue(raw));
  return raw;
}

function existingContact(ctx: CommandContext, raw: string): Contact {
  const contact = ctx.state.contacts[contactId(raw)];
  if (contact === undefined) throw refuse(2303, 'no such contact', contactValue(raw));
  return contact;
}

function e164(el: XmlElement | undefined): { number: string; x?: string } | undefined {
  if (el === undefined) return undefined;
  const number = token(el);
  if (number !== '' && !/^\+[0-9]{1,3}\.[0-9]{1,14}$/.test(number))
    throw refuse(2005, 'phone numbers look like +1.7035555555', contactValue(number, el.name));
  return { number, ...(el.attrs.x === undefined ? {} : { x: el.attrs.x }) };
}

function postalInfoOf(el: XmlElement): PostalInfo {
  const type = el.attrs.type;
  if (type !== 'int' && type !== 'loc') throw new EppError(2005, 'postalInfo type must be "int" or "loc"');
  const addr = childOf(el, ns.contact, 'addr');
  if (addr === undefined) throw new EppError(2003, '<contact:addr> is required in <contact:postalInfo>');
  const cc = requiredToken(addr, ns.contact, 'cc');
  if (!/^[A-Za-z]{2}$/.test(cc))
    throw refuse(2005, 'cc is a two-letter country code', contactValue(cc, 'cc'));
  const optional = (parent: XmlElement, name: string) => {
    const value = token(childOf(parent, ns.contact, name));
    return value === '' ? {} : { [name]: value };
  };
  const street = childrenOf(addr, ns.contact, 'street').map(token);
  if (street.length > 3) throw new EppError(2306, 'at most three street lines');
  return {
    type,
    name: requiredToken(el, ns.contact, 'name'),
    ...optional(el, 'org'),
    street,
    city: requiredToken(addr, ns.contact, 'city'),
    ...optional(addr, 'sp'),
    ...optional(addr, 'pc'),
    cc: cc.toUpperCase(),
  };
}

export function contactCheck(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.contact, ['id']);
  const ids = childrenOf(el, ns.contact, 'id').map(token);
  if (ids.length === 0) throw new EppError(2003, '<contact:check> needs at least one <contact:id>');
  const cd = ids.map((id) => {
    const taken = ctx.state.contacts[id] !== undefined;
    const entry: XmlObject = { 'contact:id': { '@avail': taken ? '0' : '1', '#': id } };
    if (taken) entry['contact:reason'] = 'In use';
    return entry;
  });
  return {
    code: 1000,
    resData: { 'contact:chkData': { '@xmlns:contact': ns.contact, 'contact:cd': cd } },
    changed: false,
    object: null,
  };
}

function phone(p: { number: string; x?: string }): XmlObject {
  return { ...(p.x === undefined ? {} : { '@x': p.x }), '#': p.number };
}

export function contactInfo(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.contact, ['id', 'authInfo']);
  const contact = existingContact(ctx, requiredToken(el, ns.contact, 'id'));
  const sponsor = contact.sponsor === ctx.clID;
  const auth = authInfoOf(el, ns.contact);
  if (!sponsor && auth !== undefined && auth.pw !== contact.authInfo)
    throw new EppError(2202, 'the authInfo does not match this contact');
  const info: XmlObject = {
    '@xmlns:contact': ns.contact,
    'contact:id': contact.id,
    'contact:roid': contact.roid,
    'contact:status': statusElements('contact', contactStatuses(ctx.state, contact)),
    'contact:postalInfo': contact.postalInfo.map((p) => {
      const addr: XmlObject = {};
      if (p.street.length > 0) addr['contact:street'] = [...p.street];
      addr['contact:city'] = p.city;
      if (p.sp !== undefined) addr['contact:sp'] = p.sp;
      if (p.pc !== undefined) addr['contact:pc'] = p.pc;
      addr['contact:cc'] = p.cc;
      return {
        '@type': p.type,
        'contact:name': p.name,
        ...(p.org === undefined ? {} : { 'contact:org': p.org }),
        'contact:addr': addr,
      };
    }),
  };
  if (contact.voice !== undefined) info['contact:voice'] = phone(contact.voice);
  if (contact.fax !== undefined) info['contact:fax'] = phone(contact.fax);
  info['contact:email'] = contact.email;
  info['contact:clID'] = contact.sponsor;
  info['contact:crID'] = contact.crID;
  info['contact:crDate'] = contact.crDate;
  if (contact.upID !== undefined) info['contact:upID'] = contact.upID;
  if (contact.upDate !== undefined) info['contact:upDate'] = contact.upDate;
  if (sponsor) info['contact:authInfo'] = { 'contact:pw': contact.authInfo };
  return { code: 1000, resData: { 'contact:infData': info }, changed: false, object: contact.id };
}

export function contactCreate(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.contact, ['id', 'postalInfo', 'voice', 'fax', 'email', 'authInfo', 'disclose']);
  const id = contactId(requiredToken(el, ns.contact, 'id'));
  if (ctx.state.contacts[id] !== undefined)
    throw refuse(2302, 'the contact already exists', contactValue(id));
  const postalInfo = childrenOf(el, ns.contact, 'postalInfo').map(postalInfoOf);
  if (postalInfo.length === 0) throw new EppError(2003, '<contact:postalInfo> is required');
  if (postalInfo.length > 2 || (postalInfo.length === 2 && postalInfo[0]!.type === postalInfo[1]!.type))
    throw new EppError(2306, 'at most one int and one loc postalInfo');
  const email = requiredToken(el, ns.contact, 'email');
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw refuse(2005, 'not an e-mail address', contactValue(email, 'email'));
  const auth = authInfoOf(el, ns.contact);
  if (auth === undefined) throw new EppError(2003, '<contact:authInfo> is required');
  const voice = e164(childOf(el, ns.contact, 'voice'));
  const fax = e164(childOf(el, ns.contact, 'fax'));
  const now = ctx.clock.iso();
  ctx.state.contacts[id] = {
    id,
    roid: ctx.store.nextRoid('C'),
    sponsor: ctx.clID,
    crID: ctx.clID,
    crDate: now,
    statuses: [],
    postalInfo,
    ...(voice === undefined ? {} : { voice }),
    ...(fax === undefined ? {} : { fax }),
    email,
    authInfo: auth.pw,
  };
  return {
    code: 1000,
    resData: { 'contact:creData': { '@xmlns:contact': ns.contact, 'contact:id': id, 'contact:crDate': now } },
    changed: true,
    object: id,
  };
}

export function contactDelete(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.contact, ['id']);
  const contact = existingContact(ctx, requiredToken(el, ns.contact, 'id'));
  requireSponsor(ctx, contact.sponsor, `contact ${contact.id}`);
  if (hasStatus(contact.statuses, 'clientDeleteProhibited', 'serverDeleteProhibited'))
    throw new EppError(2304, 'the contact has a delete-prohibited status');
  if (isContactLinked(ctx.state, contact.id))
    throw refuse(2305, 'the contact is used by a domain', contactValue(contact.id));
  delete ctx.state.contacts[contact.id];
  return { code: 1000, changed: true, object: contact.id };
}
