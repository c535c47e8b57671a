import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { BatchSpanProcessor, ConsoleSpanExporter, NoopSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { InstanceSettings } from '../config';
import { CountingSpanProcessor } from './counting-span-processor';
import { addressForLogs } from './address-for-logs';
import { DeliveryReporter, type DeliverySink } from './delivery-reporter';
import { queueFullMeterProvider } from './queue-full-meter';
import { ReportingBatchExporter } from './reporting-batch-exporter';
import { withDeadline } from './with-deadline';
import { instanceResource } from './instance-resource';
import { batchProcessorOptions } from './batch-processor-options';
import { startMetering } from './start-metrics';
import type { LogTallies } from './delivery-metrics';
import type { Meter } from '@opentelemetry/api';
import { METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED } from './sdk-self-metric-names';

export interface Tracing {
  /** Flushes queued spans and stops; gives up after `deadlineMs` so shutdown cannot hang on a dead backend. */
  shutdown(deadlineMs: number): Promise<void>;
  /** Where export failures and recoveries are said; the logger, once it exists. */
  connectLog(sink: DeliverySink): void;
  /** What became of the spans, for the `stopped` line; empty when spans are not exported. */
  deliveryFields(): Record<string, number>;
  /** Where the instance's instruments are made (server/instance-metrics.ts); the API's no-op meter when OTEL_METRICS_EXPORTER is none. */
  readonly meter: Meter;
  /** Where the log lines' delivery counts are read from, for the self-accounting metrics. */
  observeLogDelivery(source: () => LogTallies): void;
  /** Exports the last metrics and stops; last of all at shutdown, so the final counts are in. */
  stopMetrics(deadlineMs: number): Promise<void>;
}

type TracingSettings = Pick<InstanceSettings, 'serviceName' | 'tracesExporter' | 'otlpEndpoint' | 'spanBatching' | 'otlpTracesTimeoutMs' | 'defaultPropagators' | 'metrics'>;

/**
 * Starts the OpenTelemetry SDK with gRPC instrumentation. Must run before any of our modules
 * require @grpc/grpc-js, so the instrumentation's require hook wraps the server and clients
 * they create (it creates SERVER/CLIENT spans and carries traceparent across instances).
 *
 * We build the BatchSpanProcessor ourselves (the SDK would build it from OTEL_BSP_*): its settings
 * come checked from config/, where a bad value is warned about and replaced by the default, and it
 * gets a reporting exporter and a queue-full counter, so no lost span goes unsaid.
 * NodeSDK's own metrics and OTLP logs are off: each has a provider of its own (start-metrics.ts,
 * otlp-log-export.ts), which shutdown stops after the spans, in its own order.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const base = sdkOptions(settings);
  if (settings.tracesExporter === 'none') return startWithoutExport(settings, base);
  const target = settings.tracesExporter === 'otlp' ? addressForLogs(settings.otlpEndpoint) : 'console';
  const reporter = new DeliveryReporter({
    delivery: 'span export',
    target,
    unit: 'spans',
    queueFullHint: `raise OTEL_BSP_MAX_QUEUE_SIZE (now ${settings.spanBatching.maxQueueSize}) and OTEL_BSP_MAX_EXPORT_BATCH_SIZE`,
  });
  const processor = exportingProcessor(settings, reporter);
  const sdk = new NodeSDK({ ...base, spanProcessors: [processor] });
  sdk.start();
  const metering = startMetering(settings, () => ({ ...reporter.counts(), ended: processor.endedSpans() }));

  return {
    async shutdown(deadlineMs) {
      await withDeadline(sdk.shutdown(), deadlineMs, undefined);
      // What is still on its way is counted as cut at shutdown in the `stopped` line, which comes next.
      reporter.quiet();
    },
    connectLog: (sink) => {
      reporter.connect(sink);
      metering.connectLog(sink);
    },
    deliveryFields: () => spanDeliveryFields(reporter, processor),
    ...metering.parts,
  };
}

/** What the SDK is started with whether spans are exported or not. */
function sdkOptions(settings: TracingSettings): Partial<NodeSDKConfiguration> {
  return {
    // The resource the metrics and logs have too, so the spans carry the same service.instance.id;
    // NodeSDK still adds its detectors' attributes (process, host) on top.
    resource: instanceResource(settings.serviceName),
    serviceName: settings.serviceName,
    instrumentations: [new GrpcInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
    // OTEL_PROPAGATORS naming only unknown propagators would leave the SDK with none at all, and
    // traces would stop at each hop; the spec says to use the default instead.
    ...(settings.defaultPropagators
      ? { textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }) }
      : {}),
  };
}

/** Still a real tracer provider, so trace ids exist for logs and answers, but nothing is exported. */
function startWithoutExport(settings: TracingSettings, base: Partial<NodeSDKConfiguration>): Tracing {
  const sdk = new NodeSDK({ ...base, spanProcessors: [new NoopSpanProcessor()] });
  sdk.start();
  const metering = startMetering(settings, () => undefined);
  return {
    shutdown: (deadlineMs) => withDeadline(sdk.shutdown(), deadlineMs, undefined),
    connectLog: (sink) => metering.connectLog(sink),
    deliveryFields: () => ({}),
    ...metering.parts,
  };
}

/** The batch processor with our checked settings, its exports and queue-full drops told to `reporter`, its ended spans counted. */
function exportingProcessor(settings: TracingSettings, reporter: DeliveryReporter): CountingSpanProcessor {
  const inner: SpanExporter = settings.tracesExporter === 'otlp' ? new OTLPTraceExporter({ url: settings.otlpEndpoint, timeoutMillis: settings.otlpTracesTimeoutMs }) : new ConsoleSpanExporter();
  const exporter = new ReportingBatchExporter<ReadableSpan>(inner, reporter);
  return new CountingSpanProcessor(
    new BatchSpanProcessor({
      exporter,
      ...batchProcessorOptions(settings.spanBatching),
      selfObsMeterProvider: queueFullMeterProvider(METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED, (count) => reporter.droppedQueueFull(count)),
    }),
  );
}

/** What became of the spans, for the `stopped` line. */
function spanDeliveryFields(reporter: DeliveryReporter, processor: CountingSpanProcessor): Record<string, number> {
  const { delivered, failed, queueFull } = reporter.counts();
  return {
    spans_exported: delivered,
    spans_dropped_queue_full: queueFull,
    spans_dropped_export_failed: failed,
    // Ended but never exported, failed or dropped: still queued or on the way at the deadline.
    spans_dropped_at_shutdown: Math.max(0, processor.endedSpans() - delivered - failed - queueFull),
  };
}
