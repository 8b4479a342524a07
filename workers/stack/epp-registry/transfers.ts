import { addMonths } from './clock';
import type { RegistryClock } from './clock';
import { freshAuthInfo } from './commands/common';
import type { Domain, RegistryState, TransferStatus } from './model';
import { enqueuePoll } from './poll-queue';
import { subordinateHosts } from './status';

/**
 * Completing a domain transfer (RFC 5731 §3.2.4), shared by the approve command, the lazy
 * auto-approval every command triggers, the timer, and the admin API. Approval moves sponsorship
 * (with the subordinate hosts), sets trDate, adds the requested period to the expiry, and resets
 * the authInfo so the losing registrar's code no longer works.
 */

const noticeText: Readonly<Record<TransferStatus, string>> = {
  pending: 'Transfer requested.',
  clientApproved: 'Transfer approved.',
  clientRejected: 'Transfer rejected.',
  clientCancelled: 'Transfer cancelled.',
  serverApproved: 'Transfer auto-approved.',
  serverCancelled: 'Transfer cancelled by the registry.',
};

/** Queues the transfer notice for a registrar (the resData is the domain's trnData). */
export function notifyTransfer(
  state: RegistryState,
  clock: RegistryClock,
  domain: Domain,
  clID: string,
): void {
  const transfer = domain.transfer!;
  enqueuePoll(state, clock, clID, noticeText[transfer.trStatus], {
    name: domain.name,
    trStatus: transfer.trStatus,
    reID: transfer.reID,
    reDate: transfer.reDate,
    acID: transfer.acID,
    acDate: transfer.acDate,
    exDate: transfer.trStatus === 'pending' ? addMonths(domain.exDate, transfer.periodMonths) : domain.exDate,
  });
}

/** Ends a pending transfer with `outcome`; approval moves the domain. Notices go to `notify`. */
export function finishTransfer(
  state: RegistryState,
  clock: RegistryClock,
  domain: Domain,
  outcome: Exclude<TransferStatus, 'pending'>,
  notify: readonly string[],
): void {
  const transfer = domain.transfer!;
  const now = clock.iso();
  transfer.trStatus = outcome;
  transfer.acDate = now;
  if (outcome === 'clientApproved' || outcome === 'serverApproved') {
    domain.sponsor = transfer.reID;
    domain.trDate = now;
    domain.exDate = addMonths(domain.exDate, transfer.periodMonths);
    domain.authInfo = freshAuthInfo();
    for (const name of subordinateHosts(state, domain.name)) {
      const host = state.hosts[name]!;
      host.sponsor = transfer.reID;
      host.trDate = now;
    }
  }
  for (const clID of notify) notifyTransfer(state, clock, domain, clID);
}

/** Approves every pending transfer whose acDate has passed; returns the domains it moved. */
export function autoApproveDue(state: RegistryState, clock: RegistryClock): string[] {
  const now = clock.now().getTime();
  const due = Object.values(state.domains).filter(
    (d) => d.transfer?.trStatus === 'pending' && new Date(d.transfer.acDate).getTime() <= now,
  );
  for (const domain of due) {
    const { reID, acID } = domain.transfer!;
    finishTransfer(state, clock, domain, 'serverApproved', [reID, acID]);
  }
  return due.map((d) => d.name);
}
