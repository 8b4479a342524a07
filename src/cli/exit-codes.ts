/** Exit codes of the `countersign` CLI; documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Unexpected failure. */
  error: 1,
  /** Bad input or usage: invalid recommendation, malformed JSON, unknown option. */
  invalidInput: 2,
  /** No change with that id. */
  notFound: 3,
  /** The request was understood but refused: decision not counted, id reused with other content. */
  refused: 4,
  /** Temporal could not be reached. */
  unavailable: 5,
  /** The evidence chain does not verify. */
  evidenceBroken: 6,
  /** Policy test cases failed, or `policy check --strict` found warnings. */
  checksFailed: 7,
  /** The machine lacks something the command needs (Node too old, a package, a free port). */
  preconditionMissing: 8,
} as const;
