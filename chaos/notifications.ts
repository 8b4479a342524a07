import { existsSync, readFileSync } from 'node:fs';

/** What the workers' logs say was delivered: notifications and escalations, by idempotency key. */
export interface NotificationCount {
  /** Deliveries: one log line each (the line is the notification's delivery to the log). */
  readonly delivered: number;
  /** Distinct idempotency keys among them. */
  readonly events: number;
  /** Deliveries beyond the first of a key, other than those the worker announced as possible repeats. */
  readonly duplicates: number;
  /** Repeats the worker announced ("notification sent again": a kill in the window it admits). */
  readonly announcedRepeats: number;
  /** The workflow id of every key delivered at least once. */
  readonly workflows: ReadonlySet<string>;
  /** Retries that found the delivery recorded and sent nothing. */
  readonly suppressed: number;
  /** Retries that sent again after an attempt that stopped mid-send (counted in `duplicates` only if both arrived). */
  readonly resent: number;
  /** Deliveries without a key: each is a finding (a receiver could not drop a repeat). */
  readonly withoutKey: number;
  readonly findings: readonly string[];
}

interface LogLine {
  readonly msg?: string;
  readonly idempotencyKey?: string;
  readonly notification?: { readonly idempotencyKey?: string };
  readonly escalation?: unknown;
}

/**
 * Counts deliveries in pino JSON log files. A line cut short by a SIGKILL is skipped: it is not
 * a delivery anyone could read.
 */
export function countNotifications(logFiles: readonly string[]): NotificationCount {
  const perKey = new Map<string, number>();
  let delivered = 0;
  let suppressed = 0;
  let resent = 0;
  let withoutKey = 0;
  const announced = new Set<string>();
  for (const file of logFiles) {
    if (!existsSync(file)) continue;
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      if (line.msg?.startsWith('notification already delivered') === true) suppressed += 1;
      if (line.msg?.startsWith('notification sent again') === true) {
        resent += 1;
        if (line.idempotencyKey !== undefined) announced.add(line.idempotencyKey);
      }
      const isDelivery = line.notification !== undefined || line.escalation !== undefined;
      if (!isDelivery) continue;
      delivered += 1;
      const key = line.notification?.idempotencyKey ?? line.idempotencyKey;
      if (key === undefined) withoutKey += 1;
      else perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
  }
  const repeated = [...perKey.entries()].filter(([key, n]) => n > 1 && !announced.has(key));
  const announcedRepeats = [...perKey.entries()]
    .filter(([key, n]) => n > 1 && announced.has(key))
    .reduce((sum, [, n]) => sum + n - 1, 0);
  return {
    delivered,
    events: perKey.size,
    duplicates: repeated.reduce((sum, [, n]) => sum + n - 1, 0),
    announcedRepeats,
    workflows: new Set([...perKey.keys()].map((key) => key.slice(0, key.indexOf(':')))),
    suppressed,
    resent,
    withoutKey,
    findings: [
      ...repeated.slice(0, 10).map(([key, n]) => `notification ${key} delivered ${n} times`),
      ...(withoutKey > 0 ? [`${withoutKey} notifications delivered without an idempotency key`] : []),
    ],
  };
}

/** The count as lines of a scenario's measurements. */
export function notificationDetails(n: NotificationCount): [string, string | number][] {
  return [
    ['notifications and escalations delivered / distinct events', `${n.delivered} / ${n.events}`],
    ['… retries that found theirs delivered and sent nothing', n.suppressed],
    [
      '… sent again after an attempt stopped mid-send (announced)',
      `${n.resent} (${n.announcedRepeats} arrived twice)`,
    ],
  ];
}

/** Workflows among `expected` (each must have notified) with no delivery in the logs. */
export function missingNotifications(n: NotificationCount, expected: readonly string[]): string[] {
  return expected.filter((workflowId) => !n.workflows.has(workflowId));
}

/**
 * The notification loss columns of a row: deliveries twice (beyond announced repeats) or without a
 * key, and changes in `expected` (each notifies once before it executes) with no delivery at all.
 */
export function notificationColumns(
  n: NotificationCount,
  expected: readonly string[],
): { columns: { duplicateNotifications: number; lostNotifications: number }; findings: string[] } {
  const missing = missingNotifications(n, expected);
  return {
    columns: { duplicateNotifications: n.duplicates + n.withoutKey, lostNotifications: missing.length },
    findings: [
      ...n.findings,
      ...missing.slice(0, 10).map((workflowId) => `notification lost: ${workflowId} never notified`),
    ],
  };
}
