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
 * (a second escalation of a re-opened request, the same activity id in a continued-as-new run).
 * Readable first: the workflow and what happened.
 */
export function notificationKey(origin: NotificationOrigin, event: string): string {
  // The whole run id: run ids are UUIDv7 on current servers, whose first characters are a
  // timestamp shared by every run started within a minute (a governor continued-as-new).
  return `${origin.workflowId}:${event}:${origin.runId}-${origin.activityId}`;
}
