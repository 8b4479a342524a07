import { ApplicationFailure } from '@temporalio/common';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { formatPolicyIssue } from '../../src/policy/policy-issue';
import { FailureType } from '../../src/failures';
import { parsePolicy } from './lazy-parse';
import { defaultPolicyPath } from './default-policy-path';
import { policyFiles } from './policy-files';

export type PolicySource = () => Promise<LoadedPolicy>;

/**
 * Reads the policy at each use, reparsing only when a file changed, so an edited policy applies
 * to running workflows without a restart. An invalid policy fails closed: no decision, no change.
 */
export function createPolicySource(location: string = defaultPolicyPath): PolicySource {
  let cached: { stamp: string; loaded: LoadedPolicy } | undefined;
  return async () => {
    const files = await policyFiles(location);
    const stamp = files.map((f) => `${f.name}\0${f.text}`).join('\0');
    if (cached?.stamp === stamp) return cached.loaded;
    const result = parsePolicy(files, location);
    if (!result.ok) {
      throw ApplicationFailure.create({
        type: FailureType.PolicyInvalid,
        message: `policy ${location} is invalid; nothing is decided until it is fixed:\n${result.issues.map(formatPolicyIssue).join('\n')}`,
      });
    }
    cached = { stamp, loaded: result.loaded };
    return result.loaded;
  };
}

/** A fixed policy, for tests and benchmarks that build one in code. */
export function staticPolicySource(loaded: LoadedPolicy): PolicySource {
  return () => Promise.resolve(loaded);
}
