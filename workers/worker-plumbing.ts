import { Client } from '@temporalio/client';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { dataConverter } from '../src/payloads/data-converter';
import type { Tracing } from './tracing';
import { sharedWorkflowModules } from './shared-workflow-modules';
import { workerTracing, workflowInterceptorModules } from './tracing';

/** What every countersign worker is built on: its connection, namespace, workflow code and tracing. */
export interface WorkerPlumbingOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  /** A pre-built workflow bundle (tests, benchmarks, the demo); otherwise the workflows are bundled now. */
  readonly workflowBundlePath?: string;
  /** Spans and their export; default: from the environment (workers/tracing.ts). */
  readonly tracing?: Tracing;
}

/**
 * The Worker.create options every worker shares, and the client its activities use to reach other
 * workflows (governors, the evidence ledger) over the worker's own connection, continuing the
 * change's trace.
 */
export function workerPlumbing(options: WorkerPlumbingOptions): {
  readonly client: Client;
  readonly base: Pick<
    WorkerOptions,
    | 'connection'
    | 'namespace'
    | 'dataConverter'
    | 'workflowsPath'
    | 'workflowBundle'
    | 'bundlerOptions'
    | 'interceptors'
    | 'sinks'
  >;
} {
  const namespace = options.namespace ?? 'default';
  const tracing = options.tracing ?? workerTracing();
  const client = new Client({
    connection: options.connection,
    namespace,
    dataConverter,
    interceptors: tracing.activityClientInterceptors,
  });
  return {
    client,
    base: {
      connection: options.connection,
      namespace,
      dataConverter,
      ...(options.workflowBundlePath === undefined
        ? {
            workflowsPath: require.resolve('../workflows'),
            bundlerOptions: { preloadModules: [...sharedWorkflowModules] },
          }
        : { workflowBundle: { codePath: options.workflowBundlePath } }),
      interceptors: {
        ...tracing.workerInterceptors,
        // A pre-built bundle carries them already (bundleWorkflowCode's workflowInterceptorModules).
        workflowModules: options.workflowBundlePath === undefined ? workflowInterceptorModules : [],
      },
      sinks: tracing.workerSinks,
    },
  };
}
