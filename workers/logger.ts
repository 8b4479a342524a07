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

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config = {
    level: options.level ?? process.env.COUNTERSIGN_LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: 'countersign' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
