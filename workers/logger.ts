import { isSpanContextValid, trace } from '@opentelemetry/api';
import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import pino from 'pino';
import type { Logger } from 'pino';

/** Paths pino removes from every log line: credentials must never reach a log sink. */
export const redactPaths = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'authorization',
  '*.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'tsigSecret',
  '*.tsigSecret',
  'authCode',
  '*.authCode',
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
  '*.*.password',
  'pw',
  '*.pw',
];

/**
 * The ids that tie a log line to its change: inside an activity its workflowId, runId and
 * activityId, and wherever a span is active its trace_id and span_id (the keys the SDK's own
 * loggers use). Keys a child logger already binds are left to it, so no line repeats a key.
 */
export function correlationIds(_merge: object, _level: number, logger: Logger): Record<string, string> {
  const ids: Record<string, string> = {};
  const info = activityContext.getStore()?.info;
  if (info !== undefined) {
    if (info.workflowExecution !== undefined) {
      ids.workflowId = info.workflowExecution.workflowId;
      ids.runId = info.workflowExecution.runId;
    }
    ids.activityId = info.activityId;
  }
  const span = trace.getActiveSpan()?.spanContext();
  if (span !== undefined && isSpanContextValid(span)) {
    ids.trace_id = span.traceId;
    ids.span_id = span.spanId;
  }
  if (Object.keys(ids).length === 0) return ids;
  const bound = logger.bindings();
  for (const key of Object.keys(ids)) if (key in bound) delete ids[key];
  return ids;
}

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config = {
    level: options.level ?? process.env.COUNTERSIGN_LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: 'countersign' },
    mixin: correlationIds,
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
