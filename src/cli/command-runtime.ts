import type { ParsedPolicyCache } from '../../activities/policy/parsed-policy-cache';

/** What the installed command knows about its own build (bin/countersign.js passes it to main). */
export interface CommandRuntime {
  /** Present when the command runs from a current build: policies it parsed are kept there. */
  readonly parsedPolicyCache?: ParsedPolicyCache;
}

let current: CommandRuntime = {};

export function setCommandRuntime(runtime: CommandRuntime): void {
  current = runtime;
}

export function commandRuntime(): CommandRuntime {
  return current;
}
