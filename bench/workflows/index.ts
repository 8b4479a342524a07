import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30s' });

/** The baseline: a workflow that runs `steps` no-op activities one after another and nothing else. */
export async function bareWorkflow(steps: number): Promise<void> {
  for (let i = 0; i < steps; i += 1) await noop();
}

export const echoUpdate = defineUpdate<unknown, [unknown]>('echo');

/** The governor's baseline: a workflow whose update handler does nothing but answer. */
export async function echoWorkflow(): Promise<void> {
  setHandler(echoUpdate, (value) => value);
  await condition(() => false);
}

export const approveUpdate = defineUpdate<void, []>('approve');

/** The approval baseline: waits for one update, then runs one no-op activity (the "write"). */
export async function approvalBaselineWorkflow(): Promise<void> {
  let approved = false;
  setHandler(approveUpdate, () => {
    approved = true;
  });
  await condition(() => approved);
  await noop();
}
