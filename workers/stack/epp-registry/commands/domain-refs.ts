import type { ContactType, DomainContact } from '../model';
import { ns } from '../namespaces';
import { normalizeName } from '../names';
import { EppError, refuse } from '../results';
import type { XmlElement } from '../xml';
import { childOf, childrenOf, token } from '../xml';
import type { CommandContext } from './context';

/**
 * The objects a domain refers to: name server host objects and contacts. A reference to an object
 * the registry does not hold is 2303 "Object does not exist", naming it in <extValue>: RFC 5731
 * §3.2.1 says a host "MUST be known to the server" before a domain can use it, and 2303 is the code
 * RFC 5730 §3 gives for an object that does not exist; 2305 is for associations that exist and
 * forbid an operation (a linked host being deleted), which is not the case here.
 */

export function hostObjValue(text: string) {
  return { prefix: 'domain', uri: ns.domain, name: 'hostObj', text } as const;
}

/** The <domain:ns> hostObj names (hostAttr is an option this registry does not offer: 2102). */
export function nsNames(parent: XmlElement | undefined): string[] {
  const nsEl = parent === undefined ? undefined : childOf(parent, ns.domain, 'ns');
  if (nsEl === undefined) return [];
  if (childrenOf(nsEl, ns.domain, 'hostAttr').length > 0)
    throw new EppError(2102, 'hostAttr is not supported: this registry uses host objects (hostObj)');
  const names = childrenOf(nsEl, ns.domain, 'hostObj').map((h) => normalizeName(token(h)));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw refuse(2306, 'the same name server is listed twice', hostObjValue(dup));
  return names;
}

export function requireHosts(ctx: CommandContext, names: readonly string[]): void {
  for (const name of names) {
    if (ctx.state.hosts[name] === undefined)
      throw refuse(
        2303,
        `host object ${name} does not exist; create it first (host:create)`,
        hostObjValue(name),
      );
  }
}

const contactTypes: readonly string[] = ['admin', 'billing', 'tech'];

export function contactsOf(parent: XmlElement | undefined): DomainContact[] {
  if (parent === undefined) return [];
  return childrenOf(parent, ns.domain, 'contact').map((el) => {
    const type = el.attrs.type;
    if (type === undefined || !contactTypes.includes(type))
      throw refuse(2005, 'contact type must be admin, billing or tech', {
        prefix: 'domain',
        uri: ns.domain,
        name: 'contact',
        text: token(el),
      });
    return { type: type as ContactType, id: token(el) };
  });
}

export function requireContact(ctx: CommandContext, id: string, element: string): void {
  if (ctx.state.contacts[id] === undefined)
    throw refuse(2303, `contact ${id} does not exist`, {
      prefix: 'domain',
      uri: ns.domain,
      name: element,
      text: id,
    });
}
