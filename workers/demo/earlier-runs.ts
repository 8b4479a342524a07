import type { Client } from '@temporalio/client';

/**
 * The demo's Temporal keeps its data between runs, so changes an earlier run left waiting (for an
 * approval, a budget, a lock) would be listed beside this run's with the same plans. Each run asks
 * them to stop: a change cancelled before it executes closes `cancelled`, with nothing written and
 * its evidence saying who asked. `keep` is this run's id prefix. Returns how many were asked.
 */
export async function closeEarlierChanges(
  client: Client,
  taskQueues: readonly string[],
  keep: string,
): Promise<number> {
  let asked = 0;
  const queues = taskQueues.map((q) => `'${q}'`).join(', ');
  const query = `WorkflowType = 'changeWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue IN (${queues})`;
  for await (const change of client.workflow.list({ query })) {
    // Only the demo's own changes: anything else on these queues is somebody's real work.
    if (!change.workflowId.startsWith('change-demo-') || change.workflowId.startsWith(keep)) continue;
    await client.workflow.getHandle(change.workflowId).cancel();
    asked += 1;
  }
  return asked;
}
