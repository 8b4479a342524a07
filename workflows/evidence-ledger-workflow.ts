import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SealActivities } from '../activities/evidence/seal-activities';
import type { LedgerHead } from '../src/evidence/ledger';
import type { LedgerInput, LedgerStatus, SealRequest, Unsealed } from '../src/evidence/ledger-protocol';
import { SealRequestSchema } from '../src/evidence/ledger-protocol';
import { ledgerStatusQuery, sealSignal } from './messages';

const exporter = proxyActivities<SealActivities>({
  // Waiting for the change to close and fetching its history; a store outage is retried for as
  // long as it lasts, since the ledger must not skip a change.
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The deployment's evidence ledger: seals closed changes one at a time, in the order they asked,
 * so each entry links to the one before. Its state (the head, the queue) lives only in its
 * history and is carried over by continue-as-new.
 */
export async function evidenceLedgerWorkflow(input: LedgerInput): Promise<void> {
  const pending: SealRequest[] = [...input.pending];
  const unsealed: Unsealed[] = [...(input.unsealed ?? [])];
  let head: LedgerHead | null = input.head;
  const historyLimit = input.historyLimit ?? 4000;

  setHandler(sealSignal, (raw: unknown) => {
    const parsed = SealRequestSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('seal request refused: not a change reference', { issue: parsed.error.issues[0]?.message });
      return;
    }
    const request = parsed.data;
    if (!pending.some((p) => p.workflowId === request.workflowId && p.runId === request.runId))
      pending.push(request);
  });
  setHandler(ledgerStatusQuery, (): LedgerStatus => ({ head, pending: pending.length, unsealed }));

  for (;;) {
    await condition(() => pending.length > 0 || workflowInfo().historyLength > historyLimit);
    if (workflowInfo().historyLength > historyLimit || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof evidenceLedgerWorkflow>({
        head,
        pending,
        unsealed: unsealed.slice(-100),
        historyLimit,
      });
    }
    const request = pending[0] as SealRequest;
    try {
      head = await exporter.sealChange(request, head);
      // Sealed after all (an early request let go, then the change's own): no longer a problem.
      const sealedNow = unsealed.findIndex(
        (u) => u.request.workflowId === request.workflowId && u.request.runId === request.runId,
      );
      if (sealedNow >= 0) unsealed.splice(sealedNow, 1);
    } catch (err) {
      // Only a conflict in the store ends up here (everything else is retried): the change stays
      // unsealed, visible in the status, and the ledger goes on with the next one.
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
      log.error('change not sealed', { workflowId: request.workflowId, reason: cause });
      unsealed.push({ request, reason: cause });
    }
    pending.shift();
  }
}
