import { z } from 'zod';

/**
 * What a payload that could not be decoded becomes: data describing it, never its bytes (they
 * could hold a secret). Handlers receive it like any other malformed input, refuse it and record it.
 */
export const UndecodablePayload = z.strictObject({
  countersignUndecodable: z.strictObject({
    /** The payload's `encoding` metadata as sent, cut to 64 characters. */
    encoding: z.string(),
    /** Size of the payload's data in bytes. */
    bytes: z.number().int().nonnegative(),
    reason: z.enum(['unknown_encoding', 'malformed_data', 'too_deep', 'missing_metadata']),
    detail: z.string(),
  }),
});
export type UndecodablePayload = z.infer<typeof UndecodablePayload>;

export function isUndecodable(value: unknown): value is UndecodablePayload {
  return UndecodablePayload.safeParse(value).success;
}

/** Deeper than any input countersign accepts (its schemas nest a handful of levels). */
export const maxNestingDepth = 64;

/** Nesting depth of a decoded JSON value, walked iteratively so hostile depth cannot overflow the stack. */
export function nestingDepth(value: unknown, stopAt = maxNestingDepth + 1): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > deepest) deepest = depth;
    if (deepest >= stopAt) return deepest;
    if (node !== null && typeof node === 'object')
      for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}
