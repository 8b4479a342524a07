/** Where a change workflow is. The last group are final. */
export const activeStates = [
  'validating',
  'classifying',
  /** In a governor's review queue: its proposal budget is spent; admitted in arrival order or by a person. */
  'queued',
  'staging',
  'checking',
  'awaiting_approval',
  'cooling_off',
  /** Waiting on a governor before writing: another change holds the RRset, or a budget must refill. */
  'held',
  'executing',
  'verifying',
  'rolling_back',
] as const;

export const finalStates = [
  /** Applied and verified (or found already applied). */
  'executed',
  /** Applied, failed verification, restored to `before` and verified. */
  'rolled_back',
  /** A human rejected or vetoed it. */
  'rejected',
  /** Policy does not allow it. */
  'blocked',
  /** Nobody decided in time; fail closed. */
  'expired',
  /** Nothing to do or invalid: no-op plan, bad input. */
  'refused',
  /** Live state kept moving under the plan; never written. */
  'stale',
  /** A provider or verification failure that needs a human; see the evidence. */
  'failed',
  /** Cancelled through Temporal before execution started; nothing written. */
  'cancelled',
  /** Ended from outside (`temporal workflow terminate`), which runs no workflow code: see the history for who and why. */
  'terminated',
  /** Ended by its workflow run timeout. */
  'timed_out',
] as const;

export type ActiveState = (typeof activeStates)[number];
export type FinalState = (typeof finalStates)[number];
export type ChangeState = ActiveState | FinalState;

export const allStates: readonly ChangeState[] = [...activeStates, ...finalStates];

export function isFinal(state: ChangeState): state is FinalState {
  return (finalStates as readonly string[]).includes(state);
}
