import { config } from 'zod';

/**
 * A command validates a handful of values once: zod's compiled fast path would cost more to
 * generate (new Function, at every start, beyond the code cache's reach) than it saves. zod reads
 * the setting when a schema is made, so the command sets it before loading any schema. An import,
 * not a require: the bundle takes zod's ESM build for imports and its CommonJS build for requires,
 * and a require here would add a second copy of zod to every command's start.
 */
export function validateWithoutCodeGeneration(): void {
  config({ jitless: true });
}
