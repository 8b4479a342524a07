/** Not a workflow: the workflow side of tracing (workers/tracing.ts), bundled with the workflows. */
import type { Headers } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import type {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/**
 * The header the OpenTelemetry client interceptor writes (`TRACE_HEADER` of
 * `@temporalio/interceptors-opentelemetry`; a unit test keeps the two equal). Written out here so
 * that reading it does not load OpenTelemetry.
 */
export const traceHeader = '_tracer-data';

/**
 * Whether a start carries a trace context that can be read. A malformed one (any caller can send
 * headers) must not fail the change's every workflow task: it is simply not traced. The headers
 * are in the history, so every replay decides the same way.
 */
function carriesTrace(headers: Headers): boolean {
  const header = headers[traceHeader];
  if (header === undefined) return false;
  try {
    const carrier: unknown = defaultPayloadConverter.fromPayload(header);
    const parent = (carrier as { traceparent?: unknown } | null)?.traceparent;
    return typeof parent === 'string' && traceparent.test(parent);
  } catch {
    return false;
  }
}

/** W3C Trace Context `traceparent`: version, trace id, parent span id, flags. */
const traceparent = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** OpenTelemetry's workflow interceptors, evaluated on first call (in this workflow's module cache). */
function loadOpenTelemetry(): OpenTelemetryWorkflowLib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as OpenTelemetryWorkflowLib;
}

interface OpenTelemetryWorkflowLib {
  OpenTelemetryInboundInterceptor: new () => OpenTelemetryInboundInterceptor;
  OpenTelemetryOutboundInterceptor: new () => OpenTelemetryOutboundInterceptor;
  OpenTelemetryInternalsInterceptor: new () => OpenTelemetryInternalsInterceptor;
}

/**
 * A workflow is traced only when its start carried a trace context (the header the client
 * interceptor adds), and only a traced workflow loads OpenTelemetry. That header is in its
 * history, so every replay takes the same path, and a workflow that started before tracing
 * existed (a long-lived governor) replays exactly as it ran: the OpenTelemetry interceptors would
 * otherwise reorder its update completions. Untraced, every call passes straight through, adding
 * no await.
 */
export const interceptors = (): WorkflowInterceptors => {
  let otel:
    | {
        inbound: OpenTelemetryInboundInterceptor;
        outbound: OpenTelemetryOutboundInterceptor;
        internals: OpenTelemetryInternalsInterceptor;
      }
    | undefined;
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      if (carriesTrace(input.headers)) {
        // Evaluated only here: the SDK evaluates a workflow's modules for each workflow it holds,
        // and OpenTelemetry's cost every cached change ~0.3 MiB of heap, traced or not.
        const lib = loadOpenTelemetry();
        otel = {
          inbound: new lib.OpenTelemetryInboundInterceptor(),
          outbound: new lib.OpenTelemetryOutboundInterceptor(),
          internals: new lib.OpenTelemetryInternalsInterceptor(),
        };
      }
      return otel === undefined ? next(input) : otel.inbound.execute(input, next);
    },
    handleSignal: (input, next) =>
      otel === undefined ? next(input) : otel.inbound.handleSignal(input, next),
    handleUpdate: (input, next) =>
      otel === undefined ? next(input) : otel.inbound.handleUpdate(input, next),
    validateUpdate: (input, next) =>
      otel === undefined ? next(input) : otel.inbound.validateUpdate(input, next),
    handleQuery: (input, next) => (otel === undefined ? next(input) : otel.inbound.handleQuery(input, next)),
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.scheduleActivity(input, next),
    scheduleLocalActivity: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.scheduleLocalActivity(input, next),
    startChildWorkflowExecution: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.startChildWorkflowExecution(input, next),
    continueAsNew: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.continueAsNew(input, next),
    signalWorkflow: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.signalWorkflow(input, next),
    startNexusOperation: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.startNexusOperation(input, next),
    getLogAttributes: (input, next) =>
      otel === undefined ? next(input) : otel.outbound.getLogAttributes(input, next),
  };
  const internals: WorkflowInternalsInterceptor = {
    dispose: (input, next) => {
      // The OpenTelemetry one is async only in its signature: it disposes before returning.
      if (otel === undefined) next(input);
      else void otel.internals.dispose(input, next);
    },
  };
  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
};
