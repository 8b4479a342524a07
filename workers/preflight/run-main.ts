import { PreconditionError, preconditionExitCode } from './precondition-error';

/**
 * Runs a process entry point: a precondition failure prints its paragraph (no stack trace) and
 * exits 8; anything else is a bug and prints everything a report needs, then exits 1.
 */
export function runMain(command: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      if (err instanceof PreconditionError) {
        if (!err.alreadyReported) console.error(`countersign ${command}: ${err.message}`);
        process.exit(preconditionExitCode);
      }
      console.error(
        `countersign ${command}: unexpected error (this is a bug; please report it with the lines below)`,
      );
      console.error(err);
      process.exit(1);
    },
  );
}
