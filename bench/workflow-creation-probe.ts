import { readFileSync } from 'node:fs';
import { TypedSearchAttributes } from '@temporalio/common';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import type { Workflow } from '@temporalio/worker/lib/workflow/interface';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import type { WorkflowInfo } from '@temporalio/workflow';
import { createUnsafeRandomSource } from '@temporalio/workflow/lib/random-helpers';

/**
 * `node --expose-gc --import tsx bench/workflow-creation-probe.ts <bundle> <workflow type> [count]`:
 * creates `count` workflows from a bundle with the SDK's own reusable-context workflow creator, as a
 * worker does for every workflow it starts or brings back into its cache (it evaluates the bundle's
 * modules for each one), keeps them all, and prints one JSON line: milliseconds per creation and
 * the JavaScript heap each kept workflow holds after a full collection. No server: the workflow
 * function itself does not run, only what creating it costs.
 */

function info(workflowType: string, i: number): WorkflowInfo {
  const runId = `probe-run-${i}`;
  const now = new Date();
  return {
    workflowId: `probe-${i}`,
    runId,
    workflowType,
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(),
    taskQueue: 'probe',
    namespace: 'default',
    firstExecutionRunId: runId,
    originalExecutionRunId: runId,
    startTime: now,
    runStartTime: now,
    taskTimeoutMs: 10_000,
    attempt: 1,
    historyLength: 3,
    historySize: 0,
    continueAsNewSuggested: false,
    targetWorkerDeploymentVersionChanged: false,
    suggestedContinueAsNewReasons: [],
    currentBuildId: '',
    unsafe: {
      now: () => Date.now(),
      isReplaying: false,
      isReplayingHistoryEvents: false,
      random: createUnsafeRandomSource(Math.random),
    },
    priority: {},
  };
}

async function probe(bundlePath: string, workflowType: string, count: number, gc: () => void): Promise<void> {
  const creator = await ReusableVMWorkflowCreator.create(
    parseWorkflowCode(readFileSync(bundlePath, 'utf8'), bundlePath),
    10_000,
    new Set<string>(),
  );
  const create = (i: number) =>
    creator.createWorkflow({
      info: info(workflowType, i),
      randomnessSeed: [0, i],
      now: Date.now(),
      showStackTraceSources: false,
    });
  // Warm-up: the bundle's code compiled and the shared modules in place before anything is timed.
  for (let i = 0; i < 10; i += 1) await (await create(-1 - i)).dispose();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const kept: Workflow[] = [];
  const ms: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    kept.push(await create(i));
    ms.push(performance.now() - start);
  }
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  for (const workflow of kept) await workflow.dispose();
  await creator.destroy();
  process.stdout.write(`${JSON.stringify({ ms, heapBytesPerWorkflow: (heapAfter - heapBefore) / count })}\n`);
}

const [bundlePath, workflowType, countText] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (bundlePath === undefined || workflowType === undefined || gc === undefined) {
  process.stderr.write(
    'usage: node --expose-gc --import tsx bench/workflow-creation-probe.ts <bundle> <workflow type> [count]\n',
  );
  process.exit(2);
}
void probe(bundlePath, workflowType, Number(countText ?? 200), gc);
