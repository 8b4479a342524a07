import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { payloadConverterPath } from '../src/payloads/data-converter';
import { sharedWorkflowModules } from './shared-workflow-modules';
import { workflowInterceptorModules } from './tracing';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Bundles the workflow code once, as every worker loads it (the payload converter and the tracing
 * interceptors included), and writes it to `file`: the demo, the tests, the benchmark and the chaos
 * harness then start workers and replays from it without bundling again. The benchmark also
 * bundles other workflow entries the same way (`workflowsPath`).
 */
export async function writeWorkflowBundle(
  file: string,
  workflowsPath = require.resolve('../workflows'),
  /** Modules the workflows share (default: zod); the benchmark compares a bundle without. */
  preloadModules: readonly string[] = sharedWorkflowModules,
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    payloadConverterPath,
    workflowInterceptorModules,
    preloadModules: [...preloadModules],
    logger: quiet,
  });
  writeFileSync(file, code);
  return file;
}
