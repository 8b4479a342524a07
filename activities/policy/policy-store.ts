import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import type { PolicyFile, PolicyParse } from '../../src/policy/policy-issue';
import { formatPolicyIssue } from '../../src/policy/policy-issue';
import { parsePolicy } from './lazy-parse';
import { FailureType } from '../../src/failures';
import { defaultPolicyPath } from './default-policy-path';
import type { ParsedPolicyCache } from './parsed-policy-cache';
import { parsePolicyCached } from './parsed-policy-cache';

export { defaultPolicyPath };

/**
 * The files of a policy: one YAML file, or a directory whose `policy.yaml` is the main file and
 * whose other `*.yaml` files (sorted by name) add rules.
 */
export async function policyFiles(location: string): Promise<PolicyFile[]> {
  const info = await stat(location);
  if (!info.isDirectory()) return [{ name: location, text: await readFile(location, 'utf8') }];
  const names = (await readdir(location)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const main = names.find((n) => /^policy\.ya?ml$/.test(n));
  // Which file is the main one must never depend on sorting: a directory needs its policy.yaml.
  if (main === undefined)
    throw new Error(`${location} has no policy.yaml (the main policy file of a policy directory)`);
  const ordered = [main, ...names.filter((n) => n !== main)];
  return Promise.all(
    ordered.map(async (n) => ({
      name: path.join(location, n),
      text: await readFile(path.join(location, n), 'utf8'),
    })),
  );
}

/** Parses the policy at `location`; a command passes its cache of parsed policies. */
export async function loadPolicy(location: string, cache?: ParsedPolicyCache): Promise<PolicyParse> {
  const files = await policyFiles(location);
  return cache === undefined ? parsePolicy(files, location) : parsePolicyCached(files, location, cache);
}

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

/** The shipped default policy; throws with every issue if it does not validate. */
export async function requireDefaultPolicy(): Promise<LoadedPolicy> {
  const result = await loadPolicy(defaultPolicyPath);
  if (!result.ok)
    throw new Error(
      `the shipped default policy is invalid:\n${result.issues.map(formatPolicyIssue).join('\n')}`,
    );
  return result.loaded;
}
