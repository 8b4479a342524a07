import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PolicyFile, PolicyParse } from '../../src/policy/policy-issue';
import { formatPolicyIssue } from '../../src/policy/policy-issue';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { parsePolicy } from './lazy-parse';
import { defaultPolicyPath } from './default-policy-path';
import type { ParsedPolicyCache } from './parsed-policy-cache';
import { parsePolicyCached } from './parsed-policy-cache';

// Reading and parsing a policy, for the commands as much as for the workers: nothing here loads
// the Temporal SDK, which `policy explain` would otherwise pay for at every start.

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

/** The shipped default policy; throws with every issue if it does not validate. */
export async function requireDefaultPolicy(): Promise<LoadedPolicy> {
  const result = await loadPolicy(defaultPolicyPath);
  if (!result.ok)
    throw new Error(
      `the shipped default policy is invalid:\n${result.issues.map(formatPolicyIssue).join('\n')}`,
    );
  return result.loaded;
}
