import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

/** Adapts pino (object first) to the Temporal SDK logger (message first). */
class PinoSdkLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    this.pino[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/** Routes SDK, core and workflow logs through pino. Once per process. */
export function installRuntime(logger: Logger): void {
  if (installed) return;
  Runtime.install({
    logger: new PinoSdkLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: { logging: { filter: 'WARN', forward: {} } },
  });
  installed = true;
}
