import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { ChangeActivityDeps } from '../activities/change-activities';
import { createChangeActivities } from '../activities/change-activities';

export interface ChangeWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  readonly taskQueue: string;
  readonly deps: ChangeActivityDeps;
  /** A pre-built workflow bundle (tests, benchmarks); otherwise the workflows are bundled now. */
  readonly workflowBundlePath?: string;
}

export function createChangeWorker(options: ChangeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath === undefined
      ? { workflowsPath: require.resolve('../workflows') }
      : { workflowBundle: { codePath: options.workflowBundlePath } }),
    activities: createChangeActivities(options.deps),
  });
}
