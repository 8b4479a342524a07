/** Thrown when a policy (or its cases) does not parse; carries every issue. */
export class PolicyFileError extends Error {
  constructor(
    readonly lines: readonly string[],
    what = 'invalid policy',
  ) {
    super(`${what}:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    this.name = 'PolicyFileError';
  }
}
