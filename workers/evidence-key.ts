import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Keyring } from '../src/evidence/keyring';
import { parseKeyring, withKey } from '../src/evidence/keyring';
import type { SigningKey } from '../src/evidence/signing';
import { signingKeyOf, trustedKeyOf } from '../src/evidence/signing';

/** A signing key from PKCS#8 PEM text; refuses anything but Ed25519. */
export function signingKeyFromPem(pem: string): SigningKey {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`the evidence key is ${key.asymmetricKeyType ?? 'not a key'}, not Ed25519`);
  const { d } = key.export({ format: 'jwk' });
  if (typeof d !== 'string') throw new Error('the evidence key has no private part');
  return signingKeyOf(Buffer.from(d, 'base64url'));
}

/** Reads the exporter's private key (PKCS#8 PEM, Ed25519); the error says what to do. */
export function loadSigningKey(file: string): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the evidence key ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create one with 'countersign keys generate --dir <dir>'`,
    );
  }
  try {
    return signingKeyFromPem(pem);
  } catch (err) {
    throw new Error(`${file} is not a usable evidence key: ${(err as Error).message}`);
  }
}

export function loadKeyring(file: string): Keyring {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the keyring ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it is written beside the evidence key by 'countersign keys generate'`,
    );
  }
  return parseKeyring(text, file);
}

export interface GeneratedKey {
  readonly keyFile: string;
  readonly keyringFile: string;
  readonly key: SigningKey;
  readonly keyring: Keyring;
}

/**
 * A new Ed25519 evidence key in `dir`: `evidence-key-<n>.pem` (mode 0600, for the exporter only)
 * and the public `evidence-keyring.json`, which gains the new key and keeps the old ones.
 */
export function generateEvidenceKey(dir: string, now = new Date()): GeneratedKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const key = signingKeyFromPem(pem);
  const keyFile = path.join(dir, `evidence-key-${key.keyId.slice('ed25519:'.length)}.pem`);
  writeFileSync(keyFile, pem, { mode: 0o600, flag: 'wx' });
  const keyringFile = path.join(dir, 'evidence-keyring.json');
  const keyring = withKey(
    existsSync(keyringFile) ? loadKeyring(keyringFile) : null,
    trustedKeyOf(key, now.toISOString()),
  );
  writeFileSync(keyringFile, `${JSON.stringify(keyring, null, 2)}\n`);
  return { keyFile, keyringFile, key, keyring };
}
