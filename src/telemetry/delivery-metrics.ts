import type { Attributes, Meter } from '@opentelemetry/api';
import {
  METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED,
  METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED,
  METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED,
  METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED,
  METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED,
  METRIC_OTEL_SDK_SPAN_ENDED,
} from '@opentelemetry/semantic-conventions/incubating';

/** What became of a signal's items so far: the counts the `stopped` line gives, read live. */
export interface DeliveryTally {
  readonly delivered: number;
  readonly failed: number;
  readonly queueFull: number;
}

/** The error.type values the SDK's conventions give: queue_full is theirs; a failed export is ours. */
const QUEUE_FULL: Attributes = Object.freeze({ 'error.type': 'queue_full' });
const EXPORT_FAILED: Attributes = Object.freeze({ 'error.type': 'export_failed' });

/**
 * The instance's self-accounting as the SDK's own self-observability metrics (otel.sdk.*,
 * semantic conventions 1.45): spans ended, exported and dropped; log lines pushed to Loki and
 * dropped; metric data points exported (as the previous exports went: the one in progress cannot
 * count itself). These are the names an SDK reports under (the collector's otelcol_exporter_* names are
 * for a collector's own pipelines). Read at each collection, so nothing is counted twice.
 */
export function observeDelivery(
  meter: Meter,
  spans: () => (DeliveryTally & { ended: number }) | undefined,
  logs: () => DeliveryTally | undefined,
  metricPoints: () => DeliveryTally,
): void {
  const spansEnded = meter.createObservableCounter(METRIC_OTEL_SDK_SPAN_ENDED, { unit: '{span}', description: 'Sampled spans ended' });
  const spansExported = meter.createObservableCounter(METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED, { unit: '{span}', description: 'Spans exported, or lost in a failed export (error.type)' });
  const spansProcessed = meter.createObservableCounter(METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED, { unit: '{span}', description: 'Spans dropped before export because the queue was full' });
  const logsExported = meter.createObservableCounter(METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED, { unit: '{log_record}', description: 'Log lines pushed to Loki, or lost in a failed push (error.type)' });
  const logsProcessed = meter.createObservableCounter(METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED, { unit: '{log_record}', description: 'Log lines dropped before a Loki push because the queue was full' });
  const pointsExported = meter.createObservableCounter(METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED, { unit: '{data_point}', description: 'Metric data points exported, or lost in a failed export (error.type)' });
  meter.addBatchObservableCallback(
    (result) => {
      const span = spans();
      if (span) {
        result.observe(spansEnded, span.ended);
        result.observe(spansExported, span.delivered);
        result.observe(spansExported, span.failed, EXPORT_FAILED);
        result.observe(spansProcessed, span.queueFull, QUEUE_FULL);
      }
      const points = metricPoints();
      result.observe(pointsExported, points.delivered);
      result.observe(pointsExported, points.failed, EXPORT_FAILED);
      const log = logs();
      if (log) {
        result.observe(logsExported, log.delivered);
        result.observe(logsExported, log.failed, EXPORT_FAILED);
        result.observe(logsProcessed, log.queueFull, QUEUE_FULL);
      }
    },
    [spansEnded, spansExported, spansProcessed, logsExported, logsProcessed, pointsExported],
  );
}
