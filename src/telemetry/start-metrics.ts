import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { InstanceSettings, MetricsSettings } from '../config';
import { addressForLogs } from './address-for-logs';
import { observeDelivery, type DeliveryTally, type LogTallies } from './delivery-metrics';
import { DeliveryReporter, type DeliverySink } from './delivery-reporter';
import { instanceResource } from './instance-resource';
import { withDeadline } from './with-deadline';
import { ReportingMetricExporter } from './reporting-metric-exporter';

/** The SDK's default deadline for one export (OTEL_METRIC_EXPORT_TIMEOUT), kept within the interval as the reader requires. */
const DEFAULT_EXPORT_TIMEOUT_MS = 30_000;

/** What the metrics side adds to Tracing. */
interface MeteringParts {
  readonly meter: Meter;
  observeLogDelivery(source: () => LogTallies): void;
  stopMetrics(deadlineMs: number): Promise<void>;
}

/**
 * The metrics side, started once NodeSDK has started (see startMeterProvider). Failed exports are
 * said like failed span exports; a scrape endpoint that cannot listen costs the metrics, not the
 * instance, and is said the same way.
 */
export function startMetering(settings: Pick<InstanceSettings, 'metrics' | 'serviceName' | 'serviceInstanceId'>, spans: () => (DeliveryTally & { ended: number }) | undefined): { parts: MeteringParts; connectLog(sink: DeliverySink): void } {
  const { prometheusHost, prometheusPort, otlpEndpoint, exporters } = settings.metrics;
  const reporter = new DeliveryReporter({
    delivery: 'metric export',
    // The push exporter's target if there is one; a scrape endpoint's failure says its own address (cannotListen).
    target: exporters.includes('otlp') ? addressForLogs(otlpEndpoint) : exporters.includes('console') ? 'console' : 'prometheus',
    unit: 'data points',
    queueFullHint: '',
  });
  const cannotListen = (error: Error) =>
    reporter.failedBatch(0, new Error(`the Prometheus scrape endpoint cannot listen on ${prometheusHost}:${prometheusPort}, no metrics will be scraped: ${error.message}`));
  const provider = startMeterProvider(settings, reporter, cannotListen);
  const meter = provider?.getMeter('thespian') ?? createNoopMeter();
  let logs: () => LogTallies = () => ({});
  if (provider) observeDelivery(meter, spans, () => logs(), () => reporter.counts());
  return {
    parts: {
      meter,
      observeLogDelivery: (source) => (logs = source),
      stopMetrics: async (deadlineMs) => {
        // After the `stopped` line: a last export that fails is not said (it would follow that line).
        reporter.quiet();
        if (provider) await withDeadline(provider.shutdown().catch(() => undefined), deadlineMs, undefined);
      },
    },
    connectLog: (sink) => reporter.connect(sink),
  };
}

/**
 * Our own MeterProvider rather than NodeSDK's: NodeSDK would shut it down together with the
 * tracer, before the logger's last Loki push, and the final export would miss what that push
 * delivered; here shutdown flushes metrics last (see graceful-shutdown.ts). NodeSDK is given an
 * empty list of readers, so it never reads OTEL_METRICS_EXPORTER itself and builds no second one.
 * Undefined when metrics are off (the default: see the README, OTEL_METRICS_EXPORTER).
 *
 * Built after NodeSDK.start(): the OTLP exporter loads @grpc/grpc-js, which the instrumentation
 * must see first.
 */
function startMeterProvider(
  settings: Pick<InstanceSettings, 'metrics' | 'serviceName' | 'serviceInstanceId'>,
  reporter: DeliveryReporter,
  onPrometheusError: (error: Error) => void,
): MeterProvider | undefined {
  const readers = settings.metrics.exporters.map((exporter) => metricReader(exporter, settings.metrics, reporter, onPrometheusError));
  if (readers.length === 0) return undefined;
  return new MeterProvider({ resource: instanceResource(settings.serviceName, settings.serviceInstanceId), readers });
}

/** One reader per exporter named: with `otlp,prometheus` the same instruments are pushed and scraped. */
function metricReader(exporter: MetricsSettings['exporters'][number], settings: MetricsSettings, reporter: DeliveryReporter, onPrometheusError: (error: Error) => void): MetricReader {
  switch (exporter) {
    case 'prometheus':
      return new PrometheusExporter({ host: settings.prometheusHost, port: settings.prometheusPort }, (error) => {
        if (error) onPrometheusError(error);
      });
    case 'otlp':
    case 'console': {
      const inner = exporter === 'otlp' ? new OTLPMetricExporter({ url: settings.otlpEndpoint }) : new ConsoleMetricExporter();
      const reporting = new ReportingMetricExporter(inner, reporter);
      const exportIntervalMillis = settings.exportIntervalMs;
      return new PeriodicExportingMetricReader({ exporter: reporting, exportIntervalMillis, exportTimeoutMillis: Math.min(DEFAULT_EXPORT_TIMEOUT_MS, exportIntervalMillis) });
    }
  }
}
