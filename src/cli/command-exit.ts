/** Ends a CLI command with a given exit code and a message for the person (no stack trace). */
export class CommandExit extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CommandExit';
  }
}
