import type { ChangeState } from './states';
import { isFinal } from './states';

/** Temporal's execution status names, as the client reports them. */
export type ExecutionStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'UNSPECIFIED'
  | 'UNKNOWN';

/**
 * The state a change is really in. The workflow records its own state, but a terminate, a timeout
 * or a failed workflow task ends an execution without running the code that would record it: the
 * last recorded state (say `awaiting_approval`) then lies, and the execution status tells the truth.
 */
export function effectiveState(status: string, recorded: ChangeState | undefined): ChangeState | undefined {
  switch (status) {
    case 'RUNNING':
      return recorded;
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'CANCELLED':
      return recorded !== undefined && isFinal(recorded) ? recorded : 'cancelled';
    case 'FAILED':
      return recorded !== undefined && isFinal(recorded) ? recorded : 'failed';
    default:
      // COMPLETED (the workflow closed itself: its state is final) and anything newer.
      return recorded;
  }
}

/** Temporal visibility's spelling of the statuses a state can come from. */
const visibilityStatus: Partial<Record<ChangeState, string>> = {
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  cancelled: 'Canceled',
  failed: 'Failed',
};

/**
 * The visibility query clause for changes in `state`, matching {@link effectiveState}: an active
 * state only on running executions; an ending that can come from outside also by execution status.
 */
export function stateClause(state: ChangeState, stateAttribute: string): string {
  const recorded = `${stateAttribute} = '${state}'`;
  if (!isFinal(state)) return `(${recorded} AND ExecutionStatus = 'Running')`;
  const status = visibilityStatus[state];
  if (state === 'terminated' || state === 'timed_out') return `ExecutionStatus = '${status}'`;
  return status === undefined ? recorded : `(${recorded} OR ExecutionStatus = '${status}')`;
}
