import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { MetricsSettings } from '../config';
import type { DeliveryReporter } from './delivery-reporter';
import { ReportingMetricExporter } from './reporting-metric-exporter';

/** The SDK's default deadline for one export (OTEL_METRIC_EXPORT_TIMEOUT), kept within the interval as the reader requires. */
const DEFAULT_EXPORT_TIMEOUT_MS = 30_000;

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
export function startMeterProvider(settings: MetricsSettings, serviceName: string, reporter: DeliveryReporter, onPrometheusError: (error: Error) => void): MeterProvider | undefined {
  const reader = metricReader(settings, reporter, onPrometheusError);
  if (!reader) return undefined;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
  return new MeterProvider({ resource, readers: [reader] });
}

function metricReader(settings: MetricsSettings, reporter: DeliveryReporter, onPrometheusError: (error: Error) => void): MetricReader | undefined {
  switch (settings.exporter) {
    case 'none':
      return undefined;
    case 'prometheus':
      return new PrometheusExporter({ host: settings.prometheusHost, port: settings.prometheusPort }, (error) => {
        if (error) onPrometheusError(error);
      });
    case 'otlp':
    case 'console': {
      const inner = settings.exporter === 'otlp' ? new OTLPMetricExporter({ url: settings.otlpEndpoint }) : new ConsoleMetricExporter();
      const exporter = new ReportingMetricExporter(inner, reporter);
      const exportIntervalMillis = settings.exportIntervalMs;
      return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis, exportTimeoutMillis: Math.min(DEFAULT_EXPORT_TIMEOUT_MS, exportIntervalMillis) });
    }
  }
}
