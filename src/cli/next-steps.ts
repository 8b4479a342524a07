import type { ChangeView } from '../change/view';
import { isFinal } from '../change/states';

/**
 * What happens next to a change, and the exact command for the next step, as a person reads it
 * after deciding: who still has to act and by when, when it executes, how to veto, how to follow.
 * `id` is what the person typed (the commands echo it back).
 */
export function nextSteps(id: string, view: ChangeView): string[] {
  const hash = view.plan?.hash.slice(0, 16) ?? view.approval?.planHash.slice(0, 16) ?? '<plan hash>';
  const decide = (verb: 'approve' | 'reject') =>
    `countersign ${verb} ${id} --key <key file> --plan-hash ${hash} --reason "<why>"`;
  const follow = `follow it: countersign status ${id}`;
  if (isFinal(view.state)) {
    const why = view.outcome === null ? '' : `: ${view.outcome.message}`;
    return [`closed ${view.state}${why}`, `what happened, step by step: countersign evidence ${id}`];
  }
  const approval = view.approval;
  switch (view.state) {
    case 'awaiting_approval': {
      if (approval === null) return [`waiting for its approval request to open`, follow];
      const counted = approval.state.approvals.length;
      if (approval.state.status === 'approved')
        return [
          `every approval counted (${counted} of ${approval.required}); it moves on now (cooling-off or execution)`,
          follow,
        ];
      const left = approval.required - counted;
      return [
        `${counted} of ${approval.required} approvals counted; ${left} more needed by ${approval.expiresAt}, otherwise it expires and nothing is written`,
        `another approver: ${decide('approve')}`,
        `anyone with a role for it can stop it: ${decide('reject')}`,
        `who can: countersign pending --as <principal>`,
      ];
    }
    case 'cooling_off':
      return [
        `every approval counted; cooling-off until ${view.coolingOffUntil ?? 'its end'}: it executes then, unless someone vetoes`,
        `veto: ${decide('reject')}`,
        `what can still be vetoed: countersign pending --cooling-off`,
        follow,
      ];
    case 'queued':
    case 'held':
      return [`waiting on a governor: ${view.governor?.hold?.message ?? 'see the card'}`, follow];
    case 'executing':
    case 'verifying':
    case 'rolling_back':
      return [`${view.state.replace('_', ' ')} now`, follow];
    default:
      return [`${view.state} now`, follow];
  }
}
