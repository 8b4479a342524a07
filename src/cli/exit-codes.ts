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
  /** The evidence chain does not verify (in a running change, or a bundle's entries). */
  evidenceBroken: 6,
  /** Policy test cases failed, `policy check --strict` found warnings, or `doctor` found a problem. */
  checksFailed: 7,
  /** The machine lacks something the command needs (Node too old, a package, a free port). */
  preconditionMissing: 8,
  /** `verify`: the bundle's bytes are not what was signed (edited, truncated, not a bundle). */
  bundleAltered: 10,
  /** `verify`: signed by a key the keyring does not hold (a wrong or unknown key). */
  keyUntrusted: 11,
  /** `verify`: the ledger does not anchor the bundle, or the ledger itself is broken or lacks a bundle. */
  ledgerBroken: 12,
  /** `verify`: the embedded history does not replay on this build's workflow code. */
  replayFailed: 13,
} as const;
