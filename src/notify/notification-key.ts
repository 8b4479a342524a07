/** Where a notification is sent from: one scheduled activity of one workflow run. */
export interface NotificationOrigin {
  readonly workflowId: string;
  readonly runId: string;
  /** Temporal keeps it across retries of one activity and gives the next activity a new one. */
  readonly activityId: string;
}

/**
 * The idempotency key of one notification: the same on every retry of the activity that sends it
 * (a retry after a crash is the same event), different for the next event, even of the same kind
 * (a second escalation of a re-opened request). Readable first: the workflow and what happened.
 */
export function notificationKey(origin: NotificationOrigin, event: string): string {
  return `${origin.workflowId}:${event}:${origin.runId.slice(0, 8)}-${origin.activityId}`;
}
