import { missingSeats, seatsOf } from '../approvals/role-matching';
import type { ChangeView } from './view';
import { isFinal } from './states';

/** An ISO instant as people read it on a card: minutes, in UTC, said so. */
export function readableTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who the next approvals must come from, as the policy's seats still open ("1 sre + 1 service-owner"). */
export function openSeats(view: ChangeView): string {
  const d = view.decision;
  const a = view.approval;
  if (d === null || a === null) return '';
  return missingSeats(
    seatsOf(d.approvals.count, d.approvals.roles),
    a.state.approvals.map((given) => given.roles),
  );
}

/**
 * The card's first line: the state, and what the change waits on and from whom, in the words an
 * approver scanning a list of changes needs (the tier follows it on the card).
 */
export function cardHeadline(view: ChangeView): string {
  const approval = view.approval;
  if (isFinal(view.state)) {
    const said = view.state.replace('_', ' ');
    const capital = said.charAt(0).toUpperCase() + said.slice(1);
    return view.outcome === null ? capital : `${capital}: ${view.outcome.message}`;
  }
  switch (view.state) {
    case 'awaiting_approval': {
      if (approval === null) return 'Waiting for its approval request to open';
      if (approval.state.status !== 'pending') return 'Every approval counted: moving on';
      const left = approval.required - approval.state.approvals.length;
      const seats = openSeats(view).replace(/\d+ more approvers?/, 'any approver');
      return `Waiting for ${left} more approval${left === 1 ? '' : 's'}${seats === '' ? '' : ` (${seats})`} by ${readableTime(approval.expiresAt)}`;
    }
    case 'cooling_off':
      return `Cooling off until ${readableTime(view.coolingOffUntil ?? '')}: it executes then unless an approver vetoes`;
    case 'queued':
      return `Queued by the governor: ${view.governor?.hold?.message ?? 'waiting for its turn'}`;
    case 'held':
      return `Held by the governor before writing: ${view.governor?.hold?.message ?? 'waiting for its turn'}`;
    case 'executing':
      return 'Writing the change now';
    case 'verifying':
      return 'Written; verifying it on the authoritative servers now';
    case 'rolling_back':
      return 'Verification failed; rolling it back now';
    default:
      return `Being checked (${view.state})`;
  }
}
