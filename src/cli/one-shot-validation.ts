import { config } from 'zod';

/**
 * A command validates a handful of values once: zod's compiled fast path would cost more to
 * generate (new Function, at every start, beyond the code cache's reach) than it saves. zod reads
 * the setting when a schema is made, so the command sets it before loading any schema. An import,
 * not a require: the bundle resolves both to the same copy of zod only that way.
 */
export function validateWithoutCodeGeneration(): void {
  config({ jitless: true });
}
