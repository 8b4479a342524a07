import type { z } from 'zod';
import type { MessageRefusalCode } from '../approvals/reducer';
import { isUndecodable } from './undecodable';

/**
 * Larger than any message countersign accepts: a signed decision with the longest reason allowed
 * (2,000 characters), its signature and nonce is under 4 KiB. Anything bigger is refused before
 * it is validated, so a handler's work and the evidence entry stay small. (The Temporal server's
 * own limit, 2 MiB per payload, bounds what reaches the worker at all.)
 */
export const maxMessageBytes = 16 * 1024;

/** What may be said of a refused message: its encoding, size, shape and schema issues, never its values. */
export interface MessageRefusal {
  readonly code: MessageRefusalCode;
  readonly message: string;
  readonly data: {
    readonly encoding?: string;
    readonly bytes?: number;
    readonly received?: string;
    readonly issues?: readonly string[];
  };
}

export type Admission<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: MessageRefusal };

/** A value's kind for a person: "object with keys a, b", "array of 3", "binary (12 bytes)", "number". */
export function describeShape(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `binary (${value.byteLength} bytes)`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 10).map((k) => JSON.stringify(k.slice(0, 32)));
    return keys.length === 0
      ? 'empty object'
      : `object with keys ${shown.join(', ')}${keys.length > 10 ? ` and ${keys.length - 10} more` : ''}`;
  }
  return typeof value;
}

/**
 * Admits a signal, update or workflow input as `schema`, or says why not. Pure and total: it
 * never throws, whatever `payload` is (payloads reach it through the tolerant payload converter,
 * so nesting is already bounded).
 */
export function admitMessage<T>(
  payload: unknown,
  schema: z.ZodType<T>,
  maxBytes = maxMessageBytes,
): Admission<T> {
  if (isUndecodable(payload)) {
    const u = payload.countersignUndecodable;
    return {
      ok: false,
      refusal: {
        code: 'undecodable_payload',
        message: `the message could not be decoded (${u.reason}): ${u.detail}`,
        data: { encoding: u.encoding, bytes: u.bytes },
      },
    };
  }
  const received = describeShape(payload);
  const bytes = ArrayBuffer.isView(payload) ? payload.byteLength : (JSON.stringify(payload) ?? '').length;
  if (ArrayBuffer.isView(payload))
    return {
      ok: false,
      refusal: {
        code: 'invalid_payload',
        message: `expected a JSON object, received ${received}`,
        data: { bytes, received },
      },
    };
  if (bytes > maxBytes)
    return {
      ok: false,
      refusal: {
        code: 'payload_too_large',
        message: `the message is ${bytes} bytes; at most ${maxBytes} are accepted`,
        data: { bytes, received },
      },
    };
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length === 0 ? '(root)' : i.path.join('.')}: ${i.message}`.slice(0, 200));
  return {
    ok: false,
    refusal: {
      code: 'invalid_payload',
      message: `malformed message: ${issues.join('; ')}`,
      data: { bytes, received, issues },
    },
  };
}
