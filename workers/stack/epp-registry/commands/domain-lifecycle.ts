import { addMonths } from '../clock';
import { ns } from '../namespaces';
import { EppError, refuse } from '../results';
import { hasStatus, subordinateHosts } from '../status';
import { onlyChildren } from '../xml';
import { extensionsFor, periodMonths, requiredToken, requireSponsor } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { existingDomain } from './domain-lookup';

/** domain:delete (RFC 5731 §3.2.2, immediate: no grace period) and domain:renew (§3.2.3). */

export function domainDelete(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.domain, ['name']);
  const domain = existingDomain(ctx.state, requiredToken(el, ns.domain, 'name'));
  requireSponsor(ctx, domain.sponsor, `domain ${domain.name}`);
  if (hasStatus(domain.statuses, 'clientDeleteProhibited', 'serverDeleteProhibited'))
    throw new EppError(2304, 'the domain has a delete-prohibited status');
  if (domain.transfer?.trStatus === 'pending') throw new EppError(2304, 'the domain has a pending transfer');
  const subordinates = subordinateHosts(ctx.state, domain.name);
  if (subordinates.length > 0)
    throw refuse(2305, 'delete the subordinate host objects first', {
      prefix: 'domain',
      uri: ns.domain,
      name: 'host',
      text: subordinates[0]!,
    });
  delete ctx.state.domains[domain.name];
  ctx.touch(domain.name, ...domain.ns);
  return { code: 1000, changed: true, object: domain.name };
}

export function domainRenew(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.domain, ['name', 'curExpDate', 'period']);
  const domain = existingDomain(ctx.state, requiredToken(el, ns.domain, 'name'));
  requireSponsor(ctx, domain.sponsor, `domain ${domain.name}`);
  if (hasStatus(domain.statuses, 'clientRenewProhibited', 'serverRenewProhibited'))
    throw new EppError(2304, 'the domain has a renew-prohibited status');
  const curExpDate = requiredToken(el, ns.domain, 'curExpDate');
  // RFC 5731 §3.2.3: the current expiry date guards against renewing twice by mistake.
  if (curExpDate !== domain.exDate.slice(0, 10))
    throw refuse(2004, `the current expiry date is ${domain.exDate.slice(0, 10)}`, {
      prefix: 'domain',
      uri: ns.domain,
      name: 'curExpDate',
      text: curExpDate,
    });
  const exDate = addMonths(domain.exDate, periodMonths(el, ns.domain, 12));
  if (new Date(exDate).getTime() > new Date(addMonths(ctx.clock.iso(), 120)).getTime())
    throw new EppError(2306, 'a domain cannot be registered for more than 10 years ahead');
  domain.exDate = exDate;
  domain.upID = ctx.clID;
  domain.upDate = ctx.clock.iso();
  return {
    code: 1000,
    resData: {
      'domain:renData': { '@xmlns:domain': ns.domain, 'domain:name': domain.name, 'domain:exDate': exDate },
    },
    changed: true,
    object: domain.name,
  };
}
