// The errors the client SDK throws, in a module of their own so a caller (the CLI's error handler)
// can recognise them without loading the Temporal client.
import type { Scope } from '../governor/scope';
import { formatScope } from '../governor/scope';

/** Thrown when a recommendation id is reused with different content. */
export class RecommendationConflictError extends Error {
  constructor(
    readonly recommendationId: string,
    readonly workflowId: string,
  ) {
    super(
      `recommendation id ${recommendationId} was already submitted with different content (workflow ${workflowId}); use a new id for a new change`,
    );
    this.name = 'RecommendationConflictError';
  }
}

/** Thrown when no change workflow exists for the id. */
export class ChangeNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no change ${id}`);
    this.name = 'ChangeNotFoundError';
  }
}

/** Thrown when a change exists but its state cannot be read (its workflow never started properly, or a query failed). */
export class ChangeUnreadableError extends Error {
  constructor(
    readonly id: string,
    readonly executionStatus: string,
    readonly reason: string,
  ) {
    super(`change ${id} cannot be read (execution ${executionStatus.toLowerCase()}): ${reason}`);
    this.name = 'ChangeUnreadableError';
  }
}

/** Thrown when a decision is sent to a change that has already closed. */
export class ChangeClosedError extends Error {
  constructor(
    readonly id: string,
    readonly state: string,
  ) {
    super(`change ${id} is closed (${state}): nothing can be decided on it any more`);
    this.name = 'ChangeClosedError';
  }
}

/** Thrown when a decision's own input is unusable before anything is sent (e.g. a plan hash too short). */
export class DecisionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DecisionInputError';
  }
}

/** No change has been governed in this scope yet, so it has no governor (and nothing to show). */
export class GovernorNotFoundError extends Error {
  constructor(readonly scope: Scope) {
    super(
      `no governor for ${formatScope(scope)} yet: no change has been governed there (scopes look like zone:example.com., tenant:acme, global)`,
    );
    this.name = 'GovernorNotFoundError';
  }
}

/** A person's governor action that did not go through: not verified, not allowed, nothing to do. */
export class GovernorActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GovernorActionError';
  }
}
