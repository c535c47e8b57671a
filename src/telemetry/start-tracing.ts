import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { ConsoleSpanExporter, NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import type { InstanceSettings } from '../config/instance-settings';
import { withDeadline } from './with-deadline';

export interface Tracing {
  /** Flushes queued spans and stops; gives up after `deadlineMs` so shutdown cannot hang on a dead backend. */
  shutdown(deadlineMs: number): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK with gRPC instrumentation. Must run before any of our modules
 * require @grpc/grpc-js, so the instrumentation's require hook wraps the server and clients
 * they create (it creates SERVER/CLIENT spans and carries traceparent across instances).
 *
 * Spans go through a BatchSpanProcessor built by the SDK, which honours OTEL_BSP_* settings.
 * Metrics and OTLP logs are off: Thespian's logs go to stdout and Loki (see logger.ts).
 */
export function startTracing(settings: InstanceSettings): Tracing {
  const base = {
    serviceName: settings.serviceName,
    instrumentations: [new GrpcInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  };
  const sdk =
    settings.tracesExporter === 'otlp'
      ? new NodeSDK({ ...base, traceExporter: new OTLPTraceExporter({ url: settings.otlpEndpoint }) })
      : settings.tracesExporter === 'console'
        ? new NodeSDK({ ...base, traceExporter: new ConsoleSpanExporter() })
        : // Still a real tracer provider, so trace ids exist for logs and answers, but nothing is exported.
          new NodeSDK({ ...base, spanProcessors: [new NoopSpanProcessor()] });
  sdk.start();
  return {
    shutdown: (deadlineMs) => withDeadline(sdk.shutdown(), deadlineMs, undefined),
  };
}
