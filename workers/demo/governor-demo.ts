import type { Client } from '@temporalio/client';
import type { CountersignClient } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import { renderGovernorStatus } from '../../src/governor/status';

/**
 * Governors keep their budgets in Temporal, and the demo's Temporal keeps its data between runs:
 * each demo run starts its governors afresh so every run shows the same thing.
 */
export async function freshGovernors(client: Client, taskQueue: string): Promise<number> {
  let ended = 0;
  const query = `WorkflowType = 'governorWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  for await (const governor of client.workflow.list({ query })) {
    await client.workflow
      .getHandle(governor.workflowId)
      .terminate('a new demo run starts with fresh budgets');
    ended += 1;
  }
  return ended;
}

/**
 * A burst of automatic recommendations for the staging zone, whose policy allows 3 automatic
 * executions an hour (two were spent by the samples): one runs, the others wait for approval with
 * the limit, the count, the reset time and what a person can do. Returns what went wrong, if anything.
 */
export async function showBudgetExhausted(
  cs: CountersignClient,
  run: string,
  zone: string,
): Promise<string[]> {
  const burst = [1, 2, 3].map((i) =>
    exampleRecommendation({
      id: `demo-${run}-burst-${i}`,
      zone,
      environment: 'staging',
      rationale: `Anomaly ${i} of a burst: the model suggests moving canary${i} to the new pool.`,
      change: {
        kind: 'dns.upsert_rrset',
        name: `canary${i}.${zone}`,
        type: 'A',
        ttl: 300,
        records: ['192.0.2.60'],
      },
    }),
  );
  console.log(
    `\na burst of ${burst.length} automatic recommendations for ${zone} (automatic budget: 3 an hour):`,
  );
  for (const rec of burst) await cs.submit(rec);
  const views = await Promise.all(
    burst.map((rec) => cs.waitForState(rec.id, ['executed', 'awaiting_approval', 'failed', 'rolled_back'])),
  );
  for (const view of views)
    console.log(
      `  ${view.recommendation.id.padEnd(34)} ${view.state.padEnd(18)} ${view.governor?.rerouted === null || view.governor?.rerouted === undefined ? '' : 'proposal-only: budget spent'}`,
    );
  const rerouted = views.find((v) => v.governor?.rerouted);
  const problems: string[] = [];
  if (views.filter((v) => v.state === 'executed').length !== 1)
    problems.push('the burst did not execute exactly one change automatically');
  if (rerouted === undefined) {
    problems.push('no change of the burst was re-routed by its budget');
    return problems;
  }
  const hold = rerouted.governor?.rerouted;
  console.log(
    `\nwhy ${rerouted.recommendation.id} waits:\n  ${hold?.message}\n  resets: ${hold?.resetsAt ?? 'only by a person'}\n${hold?.whatToDo.map((w) => `  - ${w}`).join('\n') ?? ''}`,
  );
  console.log(
    `\n$ countersign governor status zone:${zone}\n${renderGovernorStatus(await cs.governorStatus({ kind: 'zone', name: zone }))}`,
  );
  return problems;
}
