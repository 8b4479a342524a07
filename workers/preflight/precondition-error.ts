import { ExitCode } from '../../src/cli/exit-codes';

/**
 * Thrown when the machine lacks something a command needs (a package, a free port, a usable data
 * folder). Its message is one paragraph for a person: what is missing, what to run, where the log
 * is. It is an expected failure, so it is printed without a stack trace.
 */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';

  constructor(
    message: string,
    /** True when an install script already printed the paragraph on stderr. */
    readonly alreadyReported = false,
  ) {
    super(message);
  }
}

/** Exit status of a command that stopped on a precondition (1 stays "unexpected"). */
export const preconditionExitCode = ExitCode.preconditionMissing;
