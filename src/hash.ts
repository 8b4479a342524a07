import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import canonicalize from 'canonicalize';

/**
 * The JSON Canonicalization Scheme (RFC 8785): keys sorted by UTF-16 code units at every depth,
 * numbers in ECMAScript form, no whitespace; `undefined` members dropped as JSON.stringify does.
 * Equal values always serialise to equal bytes, which hashes and signatures depend on.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('only JSON values have a canonical form');
  return text;
}

/** sha256 of the canonical JSON, hex. Runs inside the workflow sandbox (no node:crypto). */
export function hashOf(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(value))));
}
