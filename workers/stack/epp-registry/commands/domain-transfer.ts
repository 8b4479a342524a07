import type { Domain } from '../model';
import { ns } from '../namespaces';
import { EppError } from '../results';
import { hasStatus } from '../status';
import { finishTransfer, notifyTransfer } from '../transfers';
import { onlyChildren } from '../xml';
import { authInfoOf, extensionsFor, periodMonths, requiredToken } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { existingDomain } from './domain-lookup';
import { projectedExpiry, trnData } from './domain-xml';

/**
 * domain:transfer (RFC 5731 §3.1.3 query, §3.2.4 request/approve/reject/cancel). reID is the
 * requesting (gaining) registrar, acID the sponsor asked to act (losing). Requests wait for the
 * losing registrar until acDate, then the registry approves them (serverApproved).
 */

/** The authInfo offered matches the domain's, or (with roid) its registrant contact's. */
function authorised(
  ctx: CommandContext,
  domain: Domain,
  auth: { pw: string; roid: string | undefined },
): boolean {
  if (auth.roid !== undefined) {
    const registrant = domain.registrant === undefined ? undefined : ctx.state.contacts[domain.registrant];
    return registrant !== undefined && registrant.roid === auth.roid && registrant.authInfo === auth.pw;
  }
  return domain.authInfo !== '' && auth.pw === domain.authInfo;
}

function response(domain: Domain, code: 1000 | 1001, op: string): Outcome {
  const changed = op !== 'query';
  return {
    code,
    resData: trnData(domain.name, domain.transfer!, projectedExpiry(domain)),
    changed,
    object: domain.name,
    op,
  };
}

function request(ctx: CommandContext, domain: Domain, command: ParsedCommand): Outcome {
  const el = command.object!;
  if (domain.sponsor === ctx.clID)
    throw new EppError(2106, 'the domain is already sponsored by the requesting registrar');
  if (domain.transfer?.trStatus === 'pending')
    throw new EppError(2300, 'a transfer of this domain is already pending');
  if (hasStatus(domain.statuses, 'clientTransferProhibited', 'serverTransferProhibited'))
    throw new EppError(2304, 'the domain has a transfer-prohibited status');
  const auth = authInfoOf(el, ns.domain);
  if (auth === undefined || !authorised(ctx, domain, auth))
    throw new EppError(2202, "a transfer needs the domain's current authInfo");
  const months = periodMonths(el, ns.domain, 12);
  if (months > 120) throw new EppError(2004, 'the transfer period is at most 10 years');
  const now = ctx.clock.iso();
  domain.transfer = {
    trStatus: 'pending',
    reID: ctx.clID,
    reDate: now,
    acID: domain.sponsor,
    acDate: new Date(ctx.clock.now().getTime() + ctx.policy.autoApproveAfterMs).toISOString(),
    periodMonths: months,
  };
  notifyTransfer(ctx.state, ctx.clock, domain, domain.sponsor);
  return response(domain, 1001, 'request');
}

function query(ctx: CommandContext, domain: Domain, command: ParsedCommand): Outcome {
  const auth = authInfoOf(command.object!, ns.domain);
  const involved = domain.sponsor === ctx.clID || domain.transfer?.reID === ctx.clID;
  if (!involved) {
    if (auth === undefined)
      throw new EppError(2201, 'only the registrars involved, or one with the authInfo, may query');
    if (!authorised(ctx, domain, auth)) throw new EppError(2202, 'the authInfo does not match this domain');
  }
  if (domain.transfer === undefined) throw new EppError(2301, 'this domain has never had a transfer request');
  return response(domain, 1000, 'query');
}

export function domainTransfer(ctx: CommandContext, command: ParsedCommand): Outcome {
  const el = command.object!;
  extensionsFor(ctx, command, []);
  onlyChildren(el, ns.domain, ['name', 'period', 'authInfo']);
  const op = command.verbElement.attrs.op ?? '';
  const domain = existingDomain(ctx.state, requiredToken(el, ns.domain, 'name'));
  if (op === 'request') return request(ctx, domain, command);
  if (op === 'query') return query(ctx, domain, command);
  if (!['approve', 'reject', 'cancel'].includes(op))
    throw new EppError(2005, `transfer op "${op}" must be one of approve, cancel, query, reject, request`);
  const pending = domain.transfer?.trStatus === 'pending' ? domain.transfer : undefined;
  if (op === 'cancel') {
    if (pending === undefined) throw new EppError(2301, 'no transfer of this domain is pending');
    if (pending.reID !== ctx.clID)
      throw new EppError(2201, 'only the registrar that requested the transfer may cancel it');
    finishTransfer(ctx.state, ctx.clock, domain, 'clientCancelled', [pending.acID]);
    return response(domain, 1000, op);
  }
  if (domain.sponsor !== ctx.clID)
    throw new EppError(2201, `only the sponsoring registrar may ${op} a transfer`);
  if (pending === undefined) throw new EppError(2301, 'no transfer of this domain is pending');
  finishTransfer(ctx.state, ctx.clock, domain, op === 'approve' ? 'clientApproved' : 'clientRejected', [
    pending.reID,
  ]);
  return response(domain, 1000, op);
}
