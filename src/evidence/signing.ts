import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { z } from 'zod';

/**
 * Ed25519 signatures over canonical bytes. A key is named by its id, `ed25519:` and the first 16
 * hex digits of the SHA-256 of its raw 32-byte public key, so a keyring can hold old keys beside
 * the current one and a signature says which to check it with. Private keys stay with the
 * exporter; everything here that crosses a boundary is public.
 */
export interface Signature {
  readonly alg: 'ed25519';
  readonly keyId: string;
  /** base64 of the 64-byte signature. */
  readonly value: string;
}

/** A signature as stored: exactly one base64 spelling of 64 bytes, so no two texts carry the same one. */
export const signatureSchema = z.strictObject({
  alg: z.literal('ed25519'),
  keyId: z.string(),
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected base64 of a 64-byte Ed25519 signature'),
});

export interface SigningKey {
  readonly keyId: string;
  /** The 32-byte Ed25519 private key (seed); read from the exporter's key file, never sent anywhere. */
  readonly seed: Uint8Array;
}

/** A public key an auditor trusts, in the keyring's form. */
export interface TrustedKey {
  readonly keyId: string;
  /** base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** When the key started signing (informative; rotation keeps old keys to verify old bundles). */
  readonly since?: string;
}

export function keyIdOf(rawPublic: Uint8Array): string {
  return `ed25519:${bytesToHex(sha256(rawPublic)).slice(0, 16)}`;
}

export function signingKeyOf(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new Error(`an Ed25519 private key is 32 bytes, not ${seed.length}`);
  return { keyId: keyIdOf(ed25519.getPublicKey(seed)), seed };
}

export function trustedKeyOf(key: SigningKey, since?: string): TrustedKey {
  const raw = ed25519.getPublicKey(key.seed);
  return {
    keyId: keyIdOf(raw),
    publicKey: Buffer.from(raw).toString('base64'),
    ...(since === undefined ? {} : { since }),
  };
}

export function signBytes(bytes: Uint8Array, key: SigningKey): Signature {
  return {
    alg: 'ed25519',
    keyId: key.keyId,
    value: Buffer.from(ed25519.sign(bytes, key.seed)).toString('base64'),
  };
}

export type SignatureCheck = 'valid' | 'unknown_key' | 'invalid';

/** Checks `signature` over `bytes` with the trusted key it names. */
export function checkSignature(
  bytes: Uint8Array,
  signature: Signature,
  trusted: readonly TrustedKey[],
): SignatureCheck {
  const key = trusted.find((k) => k.keyId === signature.keyId);
  if (key === undefined || signature.alg !== 'ed25519') return 'unknown_key';
  const raw = Buffer.from(key.publicKey, 'base64');
  // A keyring entry whose key does not hash to its id is not the key the signer named.
  if (raw.length !== 32 || keyIdOf(raw) !== key.keyId) return 'unknown_key';
  const value = Buffer.from(signature.value, 'base64');
  if (value.length !== 64) return 'invalid';
  try {
    // zip215: false is RFC 8032's strict verification (no malleable or small-order encodings).
    return ed25519.verify(value, bytes, raw, { zip215: false }) ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}
