import { canonicalJson } from '../hash';

/**
 * Sealed objects are stored in their RFC 8785 form, so anything else is not what was sealed: a
 * re-serialised copy, duplicate keys (which JSON parsers resolve differently), extra whitespace.
 * Refusing them keeps "the bytes verified" and "the value read" the same thing.
 */
export function parseCanonical(
  bytes: Uint8Array,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not UTF-8 JSON: ${(err as Error).message}` };
  }
  if (canonicalJson(value) !== text)
    return { ok: false, problem: 'not in its canonical (RFC 8785) form: re-serialised or edited' };
  return { ok: true, value };
}
