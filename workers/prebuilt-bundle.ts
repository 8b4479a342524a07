import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../activities/package-root';
import { writeWorkflowBundle } from './workflow-bundle';

// Plain CommonJS shared with bin/countersign.js and bin/build.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fingerprinting = require(path.join(packageRoot, 'bin', 'source-fingerprint.js')) as {
  buildState(root: string): { current: true } | { current: false; reason: string };
  stampFile: string;
  workflowBundleFile: string;
};

export type PrebuiltBundle = { readonly path: string } | { readonly reason: string };

/**
 * The workflow bundle `npm run build` (and npm install) wrote, when it is the build of exactly
 * these sources with the Temporal SDK installed now: a worker started from it polls at once
 * instead of bundling first (seconds, longer on a loaded machine). Otherwise why not, and the
 * worker bundles at start as before: a stale bundle never runs.
 */
export function prebuiltWorkflowBundle(root = packageRoot): PrebuiltBundle {
  const state = fingerprinting.buildState(root);
  if (!state.current) return { reason: state.reason };
  let stamp: { workflowBundle?: { sdk?: unknown } };
  try {
    stamp = JSON.parse(readFileSync(path.join(root, fingerprinting.stampFile), 'utf8')) as typeof stamp;
  } catch {
    return { reason: 'the build stamp cannot be read' };
  }
  const sdk = (
    JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  if (stamp.workflowBundle === undefined) return { reason: 'the last build bundled no workflow code' };
  if (stamp.workflowBundle.sdk !== sdk)
    return {
      reason: `the bundle was made with Temporal SDK ${String(stamp.workflowBundle.sdk)}, ${sdk} is installed`,
    };
  const file = path.join(root, fingerprinting.workflowBundleFile);
  if (!existsSync(file)) return { reason: `${fingerprinting.workflowBundleFile} is missing` };
  return { path: file };
}

/**
 * The workflow code for workers and replays: the prebuilt bundle when it is current, else bundled
 * now into `file`.
 */
export async function workflowBundle(file: string): Promise<string> {
  const prebuilt = prebuiltWorkflowBundle();
  return 'path' in prebuilt ? prebuilt.path : writeWorkflowBundle(file);
}
