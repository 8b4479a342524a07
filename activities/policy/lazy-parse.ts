import type * as ParseModule from '../../src/policy/parse';
import type { PolicyFile, PolicyParse } from '../../src/policy/policy-issue';

/**
 * parsePolicy, with the parser loaded at its first use: loading it builds the policy schema (~80
 * zod schemas) and the YAML parser, ~10 ms a command that reads a policy it parsed before
 * (parsed-policy-cache.ts) need not pay. require, not import(): the command's TypeScript fallback
 * (tsx's CommonJS hooks) does not resolve import() of a source file.
 */
export function parsePolicy(files: readonly PolicyFile[], source: string): PolicyParse {
  return (require('../../src/policy/parse') as typeof ParseModule).parsePolicy(files, source);
}
