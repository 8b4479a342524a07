import { z } from 'zod';
import { keyIdOf } from './signing';
import type { TrustedKey } from './signing';

/**
 * The public keys an auditor trusts, as a file they keep: every key the deployment has signed
 * with, old ones included, so bundles sealed before a rotation still verify.
 */
export const keyringFormat = 'countersign.evidence-keyring/1';

const KeyringSchema = z
  .object({
    format: z.literal(keyringFormat),
    keys: z.array(
      z
        .object({
          keyId: z.string().regex(/^ed25519:[0-9a-f]{16}$/, 'expected ed25519:<16 hex digits>'),
          publicKey: z
            .string()
            .regex(/^[A-Za-z0-9+/]{43}=$/, 'expected base64 of a 32-byte Ed25519 public key'),
          since: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();

export interface Keyring {
  readonly format: typeof keyringFormat;
  readonly keys: readonly TrustedKey[];
}

/** Parses a keyring file's text; the error names the field and what was expected. */
export function parseKeyring(text: string, where: string): Keyring {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not JSON: ${(err as Error).message}`);
  }
  const parsed = KeyringSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  for (const key of parsed.data.keys)
    if (keyIdOf(Buffer.from(key.publicKey, 'base64')) !== key.keyId)
      throw new Error(
        `${where}: key ${key.keyId} does not match its public key (a key id is derived from the key)`,
      );
  return parsed.data;
}

/** The keyring with `key` added (a rotation keeps the old keys). */
export function withKey(keyring: Keyring | null, key: TrustedKey): Keyring {
  const keys = keyring?.keys.filter((k) => k.keyId !== key.keyId) ?? [];
  return { format: keyringFormat, keys: [...keys, key] };
}
