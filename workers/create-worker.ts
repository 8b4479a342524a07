import { Worker } from '@temporalio/worker';
import { createGovernorActivities } from '../activities/governor/governor-activities';
import type { ChangeActivityDeps } from '../activities/change-activities';
import { createChangeActivities } from '../activities/change-activities';
import { createApprovalActivities } from '../activities/approvals/approval-activities';
import { createSealRequestActivities } from '../activities/evidence/seal-request';
import type { DirectorySource } from '../activities/approvals/directory-store';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../src/failures';
import type { WorkerPlumbingOptions } from './worker-plumbing';
import { workerPlumbing } from './worker-plumbing';

export interface ChangeWorkerOptions extends WorkerPlumbingOptions {
  readonly taskQueue: string;
  readonly deps: ChangeActivityDeps;
  /** The approver directory; unset: nobody can be verified, so no approval counts (fail closed). */
  readonly directory?: DirectorySource;
  /** Workflows kept in memory between tasks; default {@link defaultMaxCachedWorkflows}. */
  readonly maxCachedWorkflows?: number;
  /** History events after which a governor continues-as-new; default 4,000 (tests lower it). */
  readonly governorHistoryLimit?: number;
  /** The incident tool's webhook secret; unset: COUNTERSIGN_INCIDENT_WEBHOOK_SECRET, else webhooks are refused. */
  readonly incidentWebhookSecret?: string;
  /**
   * The deployment (task queue) whose evidence ledger seals this worker's closing changes; default
   * its own task queue; false: they are not sealed (tests that do not look at evidence).
   */
  readonly evidenceLedger?: string | false;
}

/**
 * Changes mostly wait for people, and each cached workflow holds ~0.3 MiB of heap: the SDK
 * evaluates the workflow code's modules (the schemas the change workflow uses; zod itself is
 * shared) once per workflow it holds (`npm run bench -- m`). Its own default cache (sized from the
 * heap, ~2,300 here) would keep every parked change until the heap runs out. An evicted change is replayed from history when it
 * is next touched. Not lower: with 100, a storm of 200 changes on one zone
 * (test/workflow/governor-storm.test.ts) thrashed the cache and stalled.
 * COUNTERSIGN_MAX_CACHED_WORKFLOWS sets it per worker (`npm run bench -- l` measures the memory,
 * with the process settings of ./process-memory.ts: ~450 MiB RSS with 1,000 parked at 250, ~280
 * MiB at 50, which stalled that storm).
 */
export const defaultMaxCachedWorkflows = 250;

export function createChangeWorker(options: ChangeWorkerOptions): Promise<Worker> {
  // Governors are reached by update-with-start from an activity, over the worker's own connection;
  // the interceptor carries the change's trace to them.
  const { client, base } = workerPlumbing(options);
  const secret = options.incidentWebhookSecret ?? process.env.COUNTERSIGN_INCIDENT_WEBHOOK_SECRET;
  return Worker.create({
    ...base,
    taskQueue: options.taskQueue,
    maxCachedWorkflows: options.maxCachedWorkflows ?? defaultMaxCachedWorkflows,
    activities: {
      ...createChangeActivities(options.deps),
      ...createApprovalActivities({ directory: options.directory ?? noDirectory }),
      ...createSealRequestActivities({ client, ledger: options.evidenceLedger ?? options.taskQueue }),
      ...createGovernorActivities({
        client,
        policy: options.deps.policy,
        taskQueue: options.taskQueue,
        logger: options.deps.logger,
        ...(options.governorHistoryLimit === undefined
          ? {}
          : { governorHistoryLimit: options.governorHistoryLimit }),
        ...(secret === undefined ? {} : { incidentWebhookSecret: secret }),
      }),
    },
  });
}

const noDirectory: DirectorySource = () =>
  Promise.reject(
    ApplicationFailure.create({
      type: FailureType.DirectoryInvalid,
      message: 'no approver directory is configured (COUNTERSIGN_APPROVERS)',
      nonRetryable: true,
    }),
  );
