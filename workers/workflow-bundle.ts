import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BundleOptions } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { payloadConverterPath } from '../src/payloads/data-converter';
import { sharedWorkflowModules } from './shared-workflow-modules';
import { workflowInterceptorModules } from './tracing';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

type WebpackConfig = ReturnType<NonNullable<BundleOptions['webpackConfigHook']>>;

/**
 * A worker holds the bundle twice over: its code, and its source map (parsed, then decoded on the
 * first stack trace) to turn workflow stack traces into source lines. Two things made both larger
 * than the workflows:
 * - zod's `locales` namespace, ~50 translations (zod's CommonJS build, which the compiled workflow
 *   code reaches, loads them all); the bundle gets English only (src/sandbox/zod-english-only.ts);
 * - the source map's copy of every source file (used only by the stack-trace query when a worker
 *   sets `showStackTraceSources`, which countersign's do not) and its column-level mappings: the
 *   map keeps the source line of each bundle line, which is what a stack trace shows a person.
 * Together 7.6 MB to 2.7 MB; the workflow thread's fixed heap 27.5 to 9.4 MiB and its decoded map
 * 16 to 5 MiB (`npm run bench -- l` measures the worker).
 */
function leanerBundle(config: WebpackConfig): WebpackConfig {
  const zodLocales = path.dirname(require.resolve('zod/v4/locales'));
  const englishOnly = require.resolve('../src/sandbox/zod-english-only');
  return {
    ...config,
    devtool: 'inline-nosources-cheap-module-source-map',
    resolve: {
      ...config.resolve,
      alias: {
        // The SDK's own aliases (its converters' placeholders) are an object.
        ...(config.resolve?.alias as Record<string, string> | undefined),
        [path.join(zodLocales, 'index.cjs')]: englishOnly,
        [path.join(zodLocales, 'index.js')]: englishOnly,
      },
    },
  };
}

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
    webpackConfigHook: leanerBundle,
  });
  writeFileSync(file, code);
  return file;
}
