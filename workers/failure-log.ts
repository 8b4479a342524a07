/**
 * Failure logs that stay readable while something keeps failing: one line per failure with what
 * failed and why, and the stack only the first time a failure is seen. Temporal retries a failing
 * activity or workflow task for as long as it takes; without this, every retry repeated the whole
 * stack (and an activity's failure line lost its message: an Error's message and stack are not
 * enumerable, so a JSON logger printed only `type` and `nonRetryable`).
 */
export class FailureLog {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = 1000) {}

  /** The fields to log for this line: errors made readable, stacks dropped after the first time. */
  shape(message: string, meta: Record<string, unknown>): Record<string, unknown> {
    const errors = Object.entries(meta).filter(([, v]) => v instanceof Error) as [string, Error][];
    const stackText = Object.entries(meta).filter(
      ([, v]) => typeof v === 'string' && v.includes('stack_trace: "'),
    ) as [string, string][];
    if (errors.length === 0 && stackText.length === 0) return meta;
    const signature = [
      message,
      ...errors.map(([, e]) => `${e.name}:${e.message}`),
      ...stackText.map(([, t]) => withoutStacks(t)),
    ].join('\0');
    const count = (this.seen.get(signature) ?? 0) + 1;
    this.remember(signature, count);
    const first = count === 1;
    const shaped: Record<string, unknown> = { ...meta };
    for (const [key, error] of errors) shaped[key] = describeError(error, first);
    if (!first) for (const [key, text] of stackText) shaped[key] = withoutStacks(text);
    if (!first) shaped.repeated = count;
    return shaped;
  }

  private remember(signature: string, count: number): void {
    this.seen.delete(signature);
    this.seen.set(signature, count);
    // Oldest first: a Map iterates in insertion order, and a seen signature was just moved last.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
  }
}

/** An error as a log line wants it: type, message, its cause's message, and the stack if asked. */
export function describeError(error: Error, withStack: boolean): Record<string, unknown> {
  const fields = error as Error & { type?: unknown; nonRetryable?: unknown; cause?: unknown };
  const cause = fields.cause instanceof Error ? fields.cause : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(typeof fields.type === 'string' ? { type: fields.type } : {}),
    ...(typeof fields.nonRetryable === 'boolean' ? { nonRetryable: fields.nonRetryable } : {}),
    ...(cause === undefined ? {} : { cause: `${cause.name}: ${cause.message}` }),
    ...(withStack && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

/** Temporal core's failure descriptions embed the stack as `stack_trace: "…"`. */
function withoutStacks(text: string): string {
  return text.replace(/stack_trace: "(?:[^"\\]|\\.)*"/g, 'stack_trace: "(logged the first time)"');
}
