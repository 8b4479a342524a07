import { z } from 'zod';

/**
 * Where each sealed object lives in an evidence store, for every deployment alike, so an auditor
 * with only the store (a bucket, a folder copy) finds a change's bundle, its ledger entry and the
 * head. Keys are `/`-separated segments of `[A-Za-z0-9._~-]`.
 */
const safeSegment = /^[A-Za-z0-9._~-]+$/;

/**
 * A store key from parts. Each part is percent-encoded with `~` for `%` (and `~` itself encoded
 * first), so any id stays one segment and two different ids never share a key.
 */
export function storeKey(...parts: readonly string[]): string {
  return parts
    .map((part) => {
      const encoded = encodeURIComponent(part).replace(
        /[!'()*~]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
      const segment = encoded.replace(/%/g, '~');
      if (!safeSegment.test(segment) || segment === '.' || segment === '..')
        throw new Error(`store key part ${JSON.stringify(part)} cannot be encoded safely`);
      return segment;
    })
    .join('/');
}

export function isStoreKey(key: string): boolean {
  return key.split('/').every((s) => safeSegment.test(s) && s !== '.' && s !== '..');
}

export interface ChangeRun {
  readonly workflowId: string;
  readonly runId: string;
}

export const bundleKeyOf = (run: ChangeRun) => storeKey('bundles', run.workflowId, `${run.runId}.json`);
/** Points from a change run to its ledger entry; written last, so its presence means "sealed". */
export const sealKeyOf = (run: ChangeRun) => storeKey('sealed', run.workflowId, `${run.runId}.json`);
export const ledgerPrefix = 'ledger/';
/** Zero-padded so the store's sorted listing is the ledger's order. */
export const ledgerKeyOf = (index: number) => `${ledgerPrefix}${String(index).padStart(12, '0')}.json`;

export interface SealMark {
  readonly index: number;
  readonly bundleKey: string;
  readonly digest: string;
}

const SealMarkSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  bundleKey: z.string().refine(isStoreKey),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A seal mark's bytes, or null when they are not one (a mark is a pointer: check what it names). */
export function parseSealMark(bytes: Uint8Array): SealMark | null {
  try {
    const parsed = SealMarkSchema.safeParse(
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
