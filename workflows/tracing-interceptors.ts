/** Not a workflow: the workflow side of tracing (workers/tracing.ts), bundled with the workflows. */
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
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
 * A workflow is traced only when its start carried a trace context (the header the client
 * interceptor adds). That header is in its history, so every replay takes the same path, and a
 * workflow that started before tracing existed (a long-lived governor) replays exactly as it ran:
 * the OpenTelemetry interceptors would otherwise reorder its update completions. Untraced, every
 * call passes straight through, adding no await.
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
      if (input.headers[TRACE_HEADER] !== undefined)
        otel = {
          inbound: new OpenTelemetryInboundInterceptor(),
          outbound: new OpenTelemetryOutboundInterceptor(),
          internals: new OpenTelemetryInternalsInterceptor(),
        };
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
