import type { Tracer } from '@opentelemetry/api';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type * as OtlpHttpExporter from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';

/**
 * OpenTelemetry tracing through Temporal's interceptors: one trace per change. The client's
 * `StartWorkflow` span is the root; the workflow's `RunWorkflow`, its `StartActivity` and each
 * `RunActivity` (and the governor and ledger messages those activities send) are its descendants,
 * the context travelling in Temporal headers. A workflow whose start carried no trace context is
 * not traced (workflows/tracing-interceptors.ts): its log lines name the workflow, not a trace.
 *
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set: spans are exported over
 * OTLP/HTTP, honouring the exporter's standard OTEL_* variables. Unset, or OTEL_SDK_DISABLED=true:
 * nothing leaves the process, and the CLI starts changes without a trace context.
 */

/** The workflow interceptors; they must be in every bundle of the workflow code. */
export const workflowInterceptorModules: string[] = [require.resolve('../workflows/tracing-interceptors')];

export interface Tracing {
  /** Whether spans are exported anywhere. */
  readonly exporting: boolean;
  readonly tracer: Tracer;
  /** For `new Client({ interceptors })`: a span per start, signal, update …, its context in the headers. */
  readonly clientInterceptors: ClientInterceptors;
  /** For the client activities use: continues the activity's trace, never starts one. */
  readonly activityClientInterceptors: ClientInterceptors;
  /**
   * For `Worker.create`: the activity interceptors. The workflow interceptors are bundled with the
   * workflow code: `workflowInterceptorModules` as `workflowModules` (a worker that bundles) or in
   * `bundleWorkflowCode` (a pre-built bundle).
   */
  readonly workerInterceptors: WorkerInterceptors;
  /** For `Worker.create`: where the workflow isolate's spans go. */
  readonly workerSinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` of the spans (OTEL_SERVICE_NAME overrides it). */
  readonly serviceName: string;
  /** Where spans go (tests: an in-memory exporter); default: from the environment, see above. */
  readonly spanProcessor?: SpanProcessor;
  readonly env?: NodeJS.ProcessEnv;
}

export function createTracing(options: TracingOptions): Tracing {
  useOtelContext();
  const env = options.env ?? process.env;
  const processor = options.spanProcessor ?? processorFromEnv(env);
  const resource = Resource.default().merge(
    new Resource({ [ATTR_SERVICE_NAME]: nonEmpty(env.OTEL_SERVICE_NAME) ?? options.serviceName }),
  );
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [processor ?? new NoopSpanProcessor()],
  });
  const tracer = provider.getTracer('@temporalio/interceptors-opentelemetry');
  return {
    exporting: processor !== undefined,
    tracer,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityClientInterceptors: {
      workflow: [continuing(new OpenTelemetryWorkflowClientInterceptor({ tracer }))],
    },
    workerInterceptors: {
      activity: [
        (ctx) => {
          const traced = new OpenTelemetryActivityInboundInterceptor(ctx, { tracer });
          return {
            // As in the workflow: an activity without a trace context in its headers starts no trace.
            inbound: {
              execute: (input, next) =>
                input.headers[TRACE_HEADER] === undefined ? next(input) : traced.execute(input, next),
            },
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          };
        },
      ],
    },
    workerSinks: { exporter: makeWorkflowExporter(processor ?? new NoopSpanProcessor(), resource) },
    shutdown: () => provider.shutdown(),
  };
}

/** Outside a traced activity (no active span) every call passes straight through. */
function continuing(interceptor: OpenTelemetryWorkflowClientInterceptor): WorkflowClientInterceptor {
  return new Proxy(interceptor, {
    get: (target, name, receiver) => {
      const method: unknown = Reflect.get(target, name, receiver);
      if (typeof method !== 'function') return method;
      const traced = method as (input: unknown, next: (input: unknown) => unknown) => unknown;
      return (input: unknown, next: (input: unknown) => unknown) =>
        trace.getActiveSpan() === undefined ? next(input) : traced.call(target, input, next);
    },
  });
}

let workers: Tracing | undefined;

/** The workers' tracing, from the environment: one per process, shared by every worker in it. */
export function workerTracing(): Tracing {
  workers ??= flushedOnExit(createTracing({ serviceName: 'countersign-worker' }));
  return workers;
}

let client: Tracing | undefined;

/** The client's tracing, from the environment (the CLI; an SDK user may build their own). */
export function clientTracing(): Tracing {
  client ??= flushedOnExit(createTracing({ serviceName: 'countersign-client' }));
  return client;
}

/** True when the environment asks for spans to be exported. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.OTEL_SDK_DISABLED?.toLowerCase() !== 'true' &&
    (nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) !==
      undefined
  );
}

function processorFromEnv(env: NodeJS.ProcessEnv): SpanProcessor | undefined {
  if (!tracingConfigured(env)) return undefined;
  // Loaded only when spans leave the process: the exporter and its protobuf encoders are three
  // quarters of the tracing stack's heap (~3 MiB), which a worker that exports nothing need not hold.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpExporter;
  // The exporter reads the endpoint, headers, timeout and compression from the OTEL_* variables.
  return new BatchSpanProcessor(new OTLPTraceExporter());
}

/** Spans still buffered when the event loop empties are sent before the process ends. */
function flushedOnExit(tracing: Tracing): Tracing {
  if (tracing.exporting) process.once('beforeExit', () => void tracing.shutdown().catch(() => undefined));
  return tracing;
}

let contextInstalled = false;

/**
 * Span context follows async calls (AsyncLocalStorage) and crosses Temporal headers as W3C
 * `traceparent`: without both, an activity's span would start a trace of its own. Once per process.
 */
function useOtelContext(): void {
  if (contextInstalled) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  contextInstalled = true;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
