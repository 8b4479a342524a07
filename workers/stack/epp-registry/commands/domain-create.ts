import { addMonths } from '../clock';
import type { Domain, DsData } from '../model';
import { ns } from '../namespaces';
import { isRegistrable } from '../names';
import { EppError, refuse } from '../results';
import { childOf, onlyChildren, token } from '../xml';
import { authInfoOf, extensionsFor, periodMonths, requiredToken } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { domainName, domainValue } from './domain-lookup';
import { isReserved } from './domain-query';
import { contactsOf, nsNames, requireContact, requireHosts } from './domain-refs';
import { parseSecDnsCreate } from './secdns';

/** domain:create (RFC 5731 §3.2.1, RFC 5910 §5.2.1): how tests and the demo seed domains. */

const maxMonths = 120;

export function domainCreate(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  const exts = extensionsFor(ctx, command, [{ ns: ns.secDNS, name: 'create' }]);
  onlyChildren(el, ns.domain, ['name', 'period', 'ns', 'registrant', 'contact', 'authInfo']);
  const raw = requiredToken(el, ns.domain, 'name');
  const name = domainName(raw);
  if (!isRegistrable(name, ctx.policy.tlds))
    throw refuse(
      2306,
      `only names directly below ${ctx.policy.tlds.join(', ')} can be registered here`,
      domainValue(raw),
    );
  if (isReserved(name, ctx.policy.tlds))
    throw refuse(2306, 'this name is reserved by the registry', domainValue(raw));
  if (ctx.state.domains[name] !== undefined)
    throw refuse(2302, 'the domain is already registered', domainValue(raw));
  const months = periodMonths(el, ns.domain, 12);
  if (months > maxMonths) throw new EppError(2004, 'the registration period is at most 10 years');
  const nameServers = nsNames(el);
  requireHosts(ctx, nameServers);
  if (nameServers.length > ctx.policy.maxNs)
    throw new EppError(2306, `at most ${ctx.policy.maxNs} name servers per domain`);
  const registrant = token(childOf(el, ns.domain, 'registrant'));
  if (registrant !== '') requireContact(ctx, registrant, 'registrant');
  const contacts = contactsOf(el);
  for (const c of contacts) requireContact(ctx, c.id, 'contact');
  const auth = authInfoOf(el, ns.domain);
  if (auth === undefined) throw new EppError(2003, '<domain:authInfo> is required');
  let ds: DsData[] = [];
  for (const ext of exts) ds = parseSecDnsCreate(ext);
  if (ds.length > ctx.policy.maxDs)
    throw new EppError(2306, `at most ${ctx.policy.maxDs} DS records per domain`);
  const now = ctx.clock.iso();
  const domain: Domain = {
    name,
    roid: ctx.store.nextRoid('D'),
    sponsor: ctx.clID,
    crID: ctx.clID,
    crDate: now,
    exDate: addMonths(now, months),
    statuses: [],
    ...(registrant === '' ? {} : { registrant }),
    contacts,
    ns: nameServers,
    ds,
    authInfo: auth.pw,
  };
  ctx.state.domains[name] = domain;
  ctx.touch(name, ...nameServers);
  return {
    code: 1000,
    resData: {
      'domain:creData': {
        '@xmlns:domain': ns.domain,
        'domain:name': name,
        'domain:crDate': domain.crDate,
        'domain:exDate': domain.exDate,
      },
    },
    changed: true,
    object: name,
  };
}
