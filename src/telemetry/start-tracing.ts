import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { BatchSpanProcessor, ConsoleSpanExporter, NoopSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { trace, type Tracer } from '@opentelemetry/api';
import type { InstanceSettings } from '../config';
import { CountingSpanProcessor } from './counting-span-processor';
import { addressForLogs } from './address-for-logs';
import { DeliveryReporter, type DeliverySink } from './delivery-reporter';
import { queueFullMeterProvider } from './queue-full-meter';
import { ReportingBatchExporter } from './reporting-batch-exporter';
import { withDeadline } from './with-deadline';
import { instanceResource, serviceInstanceId } from './instance-resource';
import { PackedTracerProvider } from './packed-tracer-provider';
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
  /** What the engine starts its spans on. */
  readonly tracer: Tracer;
  /** The service.instance.id all three signals carry. */
  readonly serviceInstanceId: string;
  /**
   * Set only for a service packed with others into one process: wrapped around each entry into
   * its gRPC handlers, so the instrumentation's SERVER span there is this service's (see
   * PackedTracerProvider). A process of one needs nothing there.
   */
  readonly enterHandler?: <T>(fn: () => T) => T;
}

type TracingSettings = Pick<InstanceSettings, 'serviceName' | 'tracesExporter' | 'otlpEndpoint' | 'spanBatching' | 'otlpTracesTimeoutMs' | 'defaultPropagators' | 'metrics' | 'serviceInstanceId'>;

/** The tracer name of the engine's own spans. */
const ENGINE_TRACER = 'thespian';

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
  const exporting = settings.tracesExporter === 'none' ? undefined : exportingParts(settings);
  const sdk = new NodeSDK({ ...base, spanProcessors: [exporting?.processor ?? new NoopSpanProcessor()] });
  sdk.start();
  return tracingOf(settings, exporting, { tracer: trace.getTracer(ENGINE_TRACER), serviceInstanceId: serviceInstanceId(), shutdown: () => sdk.shutdown() });
}

/** The process-wide half of tracing for services packed into one process (src/pack/): one per process. */
export interface TracingPack {
  /** Tracing for one of the pack's services, with its own provider, resource and export. */
  startService(settings: TracingSettings): Tracing;
}

/**
 * What NodeSDK registers once per process (the context manager, the propagators, the gRPC
 * instrumentation), with a PackedTracerProvider as the global provider, which hands each span to
 * its service's own TracerProvider. Each service's provider is made as NodeSDK makes its own for a
 * process of one: the same resource (the process and host attributes are the pack's, as they
 * would be), the default sampler and span limits. A pack is started by `thespian up`, which sets
 * its whole environment: no OTEL_TRACES_SAMPLER, span limits or resource detectors to honour.
 */
export function startTracingPack(settings: TracingSettings): TracingPack {
  const sdk = new NodeSDK({ ...sdkOptions(settings), autoDetectResources: false, spanProcessors: [] });
  sdk.start();
  const routing = new PackedTracerProvider();
  trace.setGlobalTracerProvider(routing);
  const processAndHost = detectResources({ detectors: [envDetector, processDetector, hostDetector] });
  return {
    startService(serviceSettings) {
      const exporting = serviceSettings.tracesExporter === 'none' ? undefined : exportingParts(serviceSettings);
      const provider = new TracerProvider({
        resource: packedServiceResource(serviceSettings, processAndHost),
        spanProcessors: [exporting?.processor ?? new NoopSpanProcessor()],
      });
      const member = routing.member(provider);
      return tracingOf(serviceSettings, exporting, {
        tracer: member.tracer(ENGINE_TRACER),
        serviceInstanceId: serviceInstanceId(serviceSettings.serviceInstanceId),
        shutdown: () => provider.shutdown(),
        enterHandler: member.enter,
      });
    },
  };
}

/** As NodeSDK makes it: ours (defaults, identity, name), then the detectors' attributes, then the name again. */
function packedServiceResource(settings: TracingSettings, processAndHost: Resource): Resource {
  return instanceResource(settings.serviceName, settings.serviceInstanceId)
    .merge(processAndHost)
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }));
}

/** The exporting processor and the reporter of its deliveries; absent when spans are not exported. */
interface ExportingParts {
  readonly reporter: DeliveryReporter;
  readonly processor: CountingSpanProcessor;
}

function exportingParts(settings: TracingSettings): ExportingParts {
  const target = settings.tracesExporter === 'otlp' ? addressForLogs(settings.otlpEndpoint) : 'console';
  const reporter = new DeliveryReporter({
    delivery: 'span export',
    target,
    unit: 'spans',
    queueFullHint: `raise OTEL_BSP_MAX_QUEUE_SIZE (now ${settings.spanBatching.maxQueueSize}) and OTEL_BSP_MAX_EXPORT_BATCH_SIZE`,
  });
  return { reporter, processor: exportingProcessor(settings, reporter) };
}

interface ProviderParts {
  readonly tracer: Tracer;
  readonly serviceInstanceId: string;
  /** Flushes and stops the span export. */
  shutdown(): Promise<void>;
  readonly enterHandler?: <T>(fn: () => T) => T;
}

/** The Tracing of one service, whether its provider is NodeSDK's or a pack's. */
function tracingOf(settings: TracingSettings, exporting: ExportingParts | undefined, provider: ProviderParts): Tracing {
  const metering = startMetering(settings, () => (exporting ? { ...exporting.reporter.counts(), ended: exporting.processor.endedSpans() } : undefined));
  return {
    async shutdown(deadlineMs) {
      await withDeadline(provider.shutdown(), deadlineMs, undefined);
      // What is still on its way is counted as cut at shutdown in the `stopped` line, which comes next.
      exporting?.reporter.quiet();
    },
    connectLog: (sink) => {
      exporting?.reporter.connect(sink);
      metering.connectLog(sink);
    },
    deliveryFields: () => (exporting ? spanDeliveryFields(exporting.reporter, exporting.processor) : {}),
    tracer: provider.tracer,
    serviceInstanceId: provider.serviceInstanceId,
    ...(provider.enterHandler ? { enterHandler: provider.enterHandler } : {}),
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
