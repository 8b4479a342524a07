import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Keyring } from '../../src/evidence/keyring';
import { keyringFormat, parseKeyring, withKey } from '../../src/evidence/keyring';
import type { Signature, SignatureCheck, SigningKey, TrustedKey } from '../../src/evidence/signing';
import { checkSignature, signBytes, signingKeyOf, trustedKeyOf } from '../../src/evidence/signing';
import {
  generateEvidenceKey,
  loadKeyring,
  loadSigningKey,
  signingKeyFromPem,
} from '../../workers/evidence-key';

/** The message `fn` throws with (fails when it does not throw). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('expected an error');
}

const seedOf = (fill: number) => new Uint8Array(32).fill(fill);
const alice = signingKeyOf(seedOf(1));
const mallory = signingKeyOf(seedOf(2));
const trusted: readonly TrustedKey[] = [trustedKeyOf(alice)];
const message = new TextEncoder().encode('{"format":"countersign.ledger-head/1","hash":"ab","index":0}');
const good = signBytes(message, alice);

describe('checkSignature', () => {
  const truncated = Buffer.from(good.value, 'base64').subarray(0, 63).toString('base64');
  const malloryAsAlice: Signature = { ...signBytes(message, mallory), keyId: alice.keyId };
  // A keyring entry carrying alice's id but mallory's public key: the id is not that key's.
  const swappedKeyring: readonly TrustedKey[] = [{ ...trustedKeyOf(mallory), keyId: alice.keyId }];
  const cases: {
    name: string;
    bytes: Uint8Array;
    signature: Signature;
    trusted: readonly TrustedKey[];
    expected: SignatureCheck;
  }[] = [
    { name: 'valid over the signed bytes', bytes: message, signature: good, trusted, expected: 'valid' },
    {
      name: 'other bytes are invalid',
      bytes: new TextEncoder().encode('{"format":"countersign.ledger-head/1","hash":"ac","index":0}'),
      signature: good,
      trusted,
      expected: 'invalid',
    },
    {
      name: "another key's signature under the first key's id is invalid",
      bytes: message,
      signature: malloryAsAlice,
      trusted,
      expected: 'invalid',
    },
    {
      name: 'a key id not in the keyring is unknown_key',
      bytes: message,
      signature: signBytes(message, mallory),
      trusted,
      expected: 'unknown_key',
    },
    {
      name: 'a keyring entry whose public key does not hash to its id is unknown_key',
      bytes: message,
      signature: malloryAsAlice,
      trusted: swappedKeyring,
      expected: 'unknown_key',
    },
    {
      name: 'an empty keyring is unknown_key',
      bytes: message,
      signature: good,
      trusted: [],
      expected: 'unknown_key',
    },
    {
      name: 'a truncated signature is invalid',
      bytes: message,
      signature: { ...good, value: truncated },
      trusted,
      expected: 'invalid',
    },
    {
      name: 'an empty signature is invalid',
      bytes: message,
      signature: { ...good, value: '' },
      trusted,
      expected: 'invalid',
    },
    {
      name: 'a signature with one bit flipped is invalid',
      bytes: message,
      signature: {
        ...good,
        value: (() => {
          const raw = Buffer.from(good.value, 'base64');
          raw[10] = (raw[10] ?? 0) ^ 1;
          return raw.toString('base64');
        })(),
      },
      trusted,
      expected: 'invalid',
    },
    {
      name: 'another algorithm is unknown_key',
      bytes: message,
      signature: { ...good, alg: 'rsa' as 'ed25519' },
      trusted,
      expected: 'unknown_key',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(checkSignature(c.bytes, c.signature, c.trusted), c.expected);
    });

  it('signatures are deterministic and name the key that made them', () => {
    assert.deepEqual(signBytes(message, alice), good);
    assert.match(good.keyId, /^ed25519:[0-9a-f]{16}$/);
    assert.equal(Buffer.from(good.value, 'base64').length, 64);
  });

  it('a signing key is a 32-byte seed', () => {
    assert.throws(() => signingKeyOf(new Uint8Array(31)), /32 bytes, not 31/);
  });
});

describe('parseKeyring', () => {
  const entry = trustedKeyOf(alice, '2026-01-01T00:00:00.000Z');
  const text = (value: unknown) => JSON.stringify(value);
  const keyring = (keys: unknown[], extra: Record<string, unknown> = {}) =>
    text({ format: keyringFormat, keys, ...extra });

  it('reads a keyring and keeps every field', () => {
    assert.deepEqual(parseKeyring(keyring([entry]), 'k.json'), { format: keyringFormat, keys: [entry] });
  });

  const malformed: { name: string; text: string; error: RegExp }[] = [
    { name: 'not JSON', text: '{"format":', error: /^k\.json is not JSON: / },
    {
      name: 'a wrong format literal',
      text: text({ format: 'countersign.evidence-keyring/2', keys: [] }),
      error: /^k\.json: format: .*countersign\.evidence-keyring\/1/,
    },
    {
      name: 'a key id that is not ed25519:<16 hex>',
      text: keyring([{ ...entry, keyId: 'ed25519:XYZ' }]),
      error: /^k\.json: keys\.0\.keyId: expected ed25519:<16 hex digits>$/,
    },
    {
      name: 'a public key of the wrong base64 length',
      text: keyring([{ ...entry, publicKey: Buffer.alloc(31).toString('base64') }]),
      error: /^k\.json: keys\.0\.publicKey: expected base64 of a 32-byte Ed25519 public key$/,
    },
    {
      name: 'a key id that does not match its public key',
      text: keyring([entry, { ...trustedKeyOf(mallory), keyId: alice.keyId }]),
      error: new RegExp(`^k\\.json: key ${alice.keyId} does not match its public key`),
    },
    {
      name: 'an unknown field in a key',
      text: keyring([{ ...entry, privateKey: 'x' }]),
      error: /^k\.json: keys\.0: .*privateKey/,
    },
    { name: 'keys missing', text: text({ format: keyringFormat }), error: /^k\.json: keys: / },
    { name: 'not an object', text: '[]', error: /^k\.json: \(root\): / },
  ];
  for (const c of malformed)
    it(`refuses ${c.name}, naming the field`, () => {
      assert.match(
        thrown(() => parseKeyring(c.text, 'k.json')),
        c.error,
      );
    });

  it('withKey keeps the old keys on rotation and replaces a key with the same id', () => {
    const first = withKey(null, trustedKeyOf(alice, 'a'));
    const rotated = withKey(first, trustedKeyOf(mallory, 'b'));
    assert.deepEqual(
      rotated.keys.map((k) => k.keyId),
      [alice.keyId, mallory.keyId],
    );
    const again: Keyring = withKey(rotated, trustedKeyOf(alice, 'c'));
    assert.deepEqual(
      again.keys.map((k) => [k.keyId, k.since]),
      [
        [mallory.keyId, 'b'],
        [alice.keyId, 'c'],
      ],
    );
    // What withKey makes, parseKeyring reads back.
    assert.deepEqual(parseKeyring(JSON.stringify(again), 'k.json'), again);
  });
});

describe('evidence key files (workers/evidence-key)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-evidence-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a key that loads back, with its file readable by its owner only', () => {
    const keys = path.join(dir, 'round-trip');
    const generated = generateEvidenceKey(keys, new Date('2026-02-03T04:05:06.000Z'));
    const loaded: SigningKey = loadSigningKey(generated.keyFile);
    assert.equal(loaded.keyId, generated.key.keyId);
    assert.deepEqual(loaded.seed, generated.key.seed);
    assert.equal(statSync(generated.keyFile).mode & 0o777, 0o600);
    assert.equal(
      path.basename(generated.keyFile),
      `evidence-key-${loaded.keyId.slice('ed25519:'.length)}.pem`,
    );
    const keyring = loadKeyring(generated.keyringFile);
    assert.deepEqual(keyring.keys, [trustedKeyOf(loaded, '2026-02-03T04:05:06.000Z')]);
    // What the loaded key signs, the keyring verifies.
    assert.equal(checkSignature(message, signBytes(message, loaded), keyring.keys), 'valid');
  });

  it('a second key in the same folder joins the keyring beside the first', () => {
    const keys = path.join(dir, 'rotation');
    const first = generateEvidenceKey(keys);
    const second = generateEvidenceKey(keys);
    assert.notEqual(first.key.keyId, second.key.keyId);
    assert.notEqual(first.keyFile, second.keyFile);
    const keyring = loadKeyring(second.keyringFile);
    assert.deepEqual(
      keyring.keys.map((k) => k.keyId),
      [first.key.keyId, second.key.keyId],
    );
    // A bundle signed before the rotation still verifies with the keyring after it.
    assert.equal(checkSignature(message, signBytes(message, first.key), keyring.keys), 'valid');
    assert.equal(loadSigningKey(first.keyFile).keyId, first.key.keyId);
  });

  const foreign: { name: string; pem: string; says: RegExp }[] = [
    {
      name: 'an RSA key',
      pem: generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      says: /the evidence key is rsa, not Ed25519/,
    },
    {
      name: 'a P-256 key',
      pem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      says: /the evidence key is ec, not Ed25519/,
    },
    {
      name: 'an X25519 key',
      pem: generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      says: /the evidence key is x25519, not Ed25519/,
    },
  ];
  for (const c of foreign)
    it(`refuses ${c.name}, saying it is not Ed25519`, () => {
      assert.throws(() => signingKeyFromPem(c.pem), c.says);
      const file = path.join(dir, `${c.name.replace(/\W+/g, '-')}.pem`);
      writeFileSync(file, c.pem, { mode: 0o600 });
      assert.throws(
        () => loadSigningKey(file),
        (err: Error) =>
          err.message.startsWith(`${file} is not a usable evidence key: `) && c.says.test(err.message),
      );
    });

  it('refuses a file that is not a key, and a missing one, saying what to do', () => {
    const file = path.join(dir, 'garbage.pem');
    writeFileSync(file, 'not a pem\n');
    assert.ok(thrown(() => loadSigningKey(file)).startsWith(`${file} is not a usable evidence key: `));
    assert.throws(
      () => loadSigningKey(path.join(dir, 'missing.pem')),
      /cannot read the evidence key .*missing\.pem \(ENOENT\); create one with 'countersign keys generate/,
    );
    assert.throws(() => loadKeyring(path.join(dir, 'missing.json')), /cannot read the keyring .*\(ENOENT\)/);
  });
});
