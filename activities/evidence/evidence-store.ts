/**
 * Where sealed evidence lives: bundles, ledger entries and the index from a change to its entry.
 * Every key is written once. A second write of the same bytes is a harmless retry (an exporter
 * killed between its write and its answer); a second write of other bytes is refused, so nothing
 * already anchored can be replaced through this interface. Keys are `/`-separated, made of
 * `[A-Za-z0-9._~-]` segments (see `storeKey`).
 */
export interface EvidenceStore {
  /** For messages and evidence: where the objects go and what protects them. */
  readonly description: string;
  /** Stores `bytes` under `key` unless it is there: `created`, or `identical` when the same bytes are. */
  putOnce(key: string, bytes: Uint8Array): Promise<'created' | 'identical'>;
  /** The bytes under `key`, or undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key under `prefix` (which ends with `/`), sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Signs of tampering the store itself can see under `prefix` (`''`: everywhere), one readable
   * finding each: a key with more than one version (an overwrite) or with a delete marker. Empty
   * when there are none; absent when the store cannot tell (the folder store).
   */
  anomalies?(prefix: string): Promise<readonly string[]>;
}

/** Another object already holds the key: the store refused to replace it. */
export class EvidenceConflictError extends Error {
  constructor(readonly key: string) {
    super(`${key} already holds other bytes; evidence is written once and never replaced`);
    this.name = 'EvidenceConflictError';
  }
}

export { isStoreKey, storeKey } from '../../src/evidence/layout';

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
