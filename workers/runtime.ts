import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { approvalLatencyBuckets, countersignMetrics } from '../workflows/change-metrics';
import { FailureLog } from './failure-log';
import { PreconditionError } from './preflight/precondition-error';

/**
 * Adapts pino (object first) to the Temporal SDK logger (message first). Failures are logged one
 * line each, with their message, and the stack only the first time (see FailureLog).
 */
export class PinoSdkLogger implements SdkLogger {
  private readonly failures = new FailureLog();
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    // The SDK logs every activity and workflow task at debug level: below the threshold, nothing is built.
    if (!this.pino.isLevelEnabled(method)) return;
    this.pino[method](this.failures.shape(message, meta ?? {}), message);
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

export interface RuntimeOptions {
  /**
   * host:port for the Prometheus endpoint (`/metrics`): the SDK's runtime metrics (`temporal_*`)
   * and countersign's own (`countersign_*`, workflows/change-metrics.ts). Unset: no endpoint.
   */
  readonly metricsAddress?: string;
}

/**
 * Routes SDK, core and workflow logs through pino and, given an address, serves metrics in the
 * Prometheus format. Once per process.
 */
export function installRuntime(logger: Logger, options: RuntimeOptions = {}): void {
  if (installed) return;
  const { metricsAddress } = options;
  try {
    Runtime.install({
      logger: new PinoSdkLogger(logger.child({ component: 'temporal' })),
      telemetryOptions: {
        logging: { filter: 'WARN', forward: {} },
        ...(metricsAddress === undefined
          ? {}
          : {
              metrics: {
                prometheus: {
                  bindAddress: metricsAddress,
                  countersTotalSuffix: true,
                  useSecondsForDurations: true,
                  histogramBucketOverrides: {
                    [countersignMetrics.approvalLatency.name]: approvalLatencyBuckets,
                  },
                },
              },
            }),
      },
    });
  } catch (err) {
    if (metricsAddress === undefined) throw err;
    throw new PreconditionError(
      `cannot serve metrics on ${metricsAddress} (${(err as Error).message}). Free the port, or set COUNTERSIGN_METRICS_ADDRESS to another host:port (or to off).`,
    );
  }
  installed = true;
}
