import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { ChangeResult } from '../change/view';
import { payloadConverter } from '../payloads/payload-converter';
import type { BundleChange, BundleContent } from './bundle';
import { bundleContent } from './bundle';

/**
 * A bundle's content, derived from a closed execution's history and nothing else: the exporter
 * seals it, and the verifier derives it again from the embedded history and compares, so no part
 * of a bundle can say something its history does not.
 */
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const closeStatusOf: Record<string, string> = {
  workflowExecutionCompletedEventAttributes: 'COMPLETED',
  workflowExecutionFailedEventAttributes: 'FAILED',
  workflowExecutionTimedOutEventAttributes: 'TIMED_OUT',
  workflowExecutionCanceledEventAttributes: 'CANCELED',
  workflowExecutionTerminatedEventAttributes: 'TERMINATED',
  workflowExecutionContinuedAsNewEventAttributes: 'CONTINUED_AS_NEW',
};

function closeOf(last: HistoryEvent | undefined): { status: string; at: string } | undefined {
  if (last === undefined) return undefined;
  const status = Object.entries(closeStatusOf).find(
    ([field]) => (last as Record<string, unknown>)[field] != null,
  )?.[1];
  if (status === undefined) return undefined;
  const seconds = Number(last.eventTime?.seconds ?? 0);
  const nanos = last.eventTime?.nanos ?? 0;
  return { status, at: new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString() };
}

export function contentFromHistory(
  history: temporal.api.history.v1.IHistory,
  execution: { readonly namespace: string; readonly workflowId: string },
): BundleContent | string {
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const close = closeOf(events[events.length - 1]);
  if (started == null) return 'the history does not begin with the execution starting';
  if (close === undefined) return 'the history does not end with the execution closing';
  const runId = started.originalExecutionRunId ?? '';
  if (runId === '') return 'the history does not name its run';
  const payload = events[events.length - 1]?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  const decoded = payload == null ? null : payloadConverter.fromPayload<Partial<ChangeResult>>(payload);
  const result =
    decoded !== null &&
    typeof decoded === 'object' &&
    decoded.view !== undefined &&
    Array.isArray(decoded.evidence)
      ? (decoded as ChangeResult)
      : null;
  if (result !== null && result.view.workflowId !== execution.workflowId)
    return `the history's result is change ${result.view.workflowId}, not ${execution.workflowId}`;
  const change: BundleChange = {
    id: result?.view.recommendation?.id ?? null,
    workflowId: execution.workflowId,
    runId,
    workflowType: started.workflowType?.name ?? 'unknown',
    closeStatus: close.status,
    closedAt: close.at,
  };
  return bundleContent({
    deployment: { namespace: execution.namespace, taskQueue: started.taskQueue?.name ?? '' },
    change,
    result,
    history: JSON.parse(historyToJSON(history)) as unknown,
  });
}
