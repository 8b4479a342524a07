import { mkdirSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { CountersignClient } from '../src/client/countersign-client';
import type { ChaosRun } from './context';
import type { WorkerChildOptions } from './worker-child';
import { WorkerChild } from './worker-child';

/** Where one scenario's changes run and leave what the audit and the secret scan read. */
export interface Workspace {
  readonly taskQueue: string;
  readonly evidenceDir: string;
  /** The scenario's worker processes append their logs here. */
  readonly logFile: string;
  readonly client: Client;
  readonly cs: CountersignClient;
}

/** Creates the evidence folder and registers the history, log and bundles for the secret scan. */
export function scenarioWorkspace(
  ctx: ChaosRun,
  place: { taskQueue: string; evidenceDir: string; logFile: string; client?: Client },
): Workspace {
  const client = place.client ?? ctx.client;
  mkdirSync(place.evidenceDir, { recursive: true });
  ctx.artifacts.histories.push({ client, taskQueue: place.taskQueue });
  ctx.artifacts.logFiles.push(place.logFile);
  ctx.artifacts.evidenceDirs.push(place.evidenceDir);
  return { ...place, client, cs: new CountersignClient(client, place.taskQueue) };
}

/**
 * The scenario's worker (a killable child process) on the run's servers with a short cooling-off,
 * unless `options` say otherwise; stopped at the end of the run whatever happens.
 */
export function scenarioWorker(
  ctx: ChaosRun,
  workspace: Workspace,
  options: Partial<WorkerChildOptions> = {},
): WorkerChild {
  const worker = new WorkerChild({
    temporalAddress: ctx.temporalAddress,
    taskQueue: workspace.taskQueue,
    pdns: ctx.pdns,
    dns: ctx.dns,
    approversPath: ctx.approvers.directoryPath,
    bundlePath: ctx.bundlePath,
    evidenceDir: workspace.evidenceDir,
    logFile: workspace.logFile,
    coolingOffSeconds: 1,
    approvalExpirySeconds: 3600,
    ...options,
  });
  ctx.defer(() => worker.stop());
  return worker;
}
