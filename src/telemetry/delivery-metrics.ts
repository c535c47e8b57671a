import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import {
  ATTR_OTEL_COMPONENT_NAME,
  ATTR_OTEL_COMPONENT_TYPE,
  METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED,
  METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED,
  METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED,
  METRIC_OTEL_SDK_LOG_CREATED,
  METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED,
  METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED,
  METRIC_OTEL_SDK_SPAN_ENDED,
  OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR,
  OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER,
} from './sdk-self-metric-names';

/** What became of a signal's items so far: the counts the `stopped` line gives, read live. */
export interface DeliveryTally {
  readonly delivered: number;
  readonly failed: number;
  readonly queueFull: number;
}

/** Both ways the log lines leave: pushed to Loki (LOKI_ADDRESS), exported as OTLP records (OTEL_LOGS_EXPORTER=otlp). */
export interface LogTallies {
  readonly loki?: DeliveryTally;
  /** `created`: records handed to the logs SDK (otel.sdk.log.created). */
  readonly otlp?: DeliveryTally & { readonly created: number };
}

/** The error.type values the SDK's conventions give: queue_full is theirs; a failed export is ours. */
const QUEUE_FULL = 'queue_full';
const EXPORT_FAILED = 'export_failed';

/**
 * otel.component.type/name tell the two log paths apart. The OTLP ones are the conventions' own
 * values; no convention names winston-loki, so it goes by its package's name, as they advise for a
 * component they do not list. One of each per instance, hence "/0".
 */
const component = (type: string): Attributes => Object.freeze({ [ATTR_OTEL_COMPONENT_TYPE]: type, [ATTR_OTEL_COMPONENT_NAME]: `${type}/0` });
const LOKI_TRANSPORT = component('winston_loki');
const OTLP_LOG_EXPORTER = component(OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER);
const OTLP_LOG_PROCESSOR = component(OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR);

/**
 * The instance's self-accounting as the SDK's own self-observability metrics (otel.sdk.*,
 * semantic conventions 1.45): spans ended, exported and dropped; log lines pushed to Loki and
 * dropped; OTLP log records created, exported and dropped; metric data points exported (as the
 * previous exports went: the one in progress cannot count itself). These are the names an SDK
 * reports under (the collector's otelcol_exporter_* names are for a collector's own pipelines).
 * Read at each collection, so nothing is counted twice.
 */
export function observeDelivery(
  meter: Meter,
  spans: () => (DeliveryTally & { ended: number }) | undefined,
  logs: () => LogTallies,
  metricPoints: () => DeliveryTally,
): void {
  const counter = (name: string, unit: string, description: string) => meter.createObservableCounter(name, { unit, description });
  const spansEnded = counter(METRIC_OTEL_SDK_SPAN_ENDED, '{span}', 'Sampled spans ended');
  const spansExported = counter(METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED, '{span}', 'Spans exported, or lost in a failed export (error.type)');
  const spansProcessed = counter(METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED, '{span}', 'Spans dropped before export because the queue was full');
  const logsCreated = counter(METRIC_OTEL_SDK_LOG_CREATED, '{log_record}', 'Log records handed to the logs SDK for OTLP export');
  const logsExported = counter(METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED, '{log_record}', 'Log lines pushed to Loki or records exported over OTLP (otel.component.type), or lost in a failed push or export (error.type)');
  const logsProcessed = counter(METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED, '{log_record}', 'Log lines or records dropped before a Loki push or an OTLP export because the queue was full');
  const pointsExported = counter(METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED, '{data_point}', 'Metric data points exported, or lost in a failed export (error.type)');
  const observeOutcomes = (result: BatchObservableResult, exported: Observable, tally: DeliveryTally, where: Attributes = {}) => {
    result.observe(exported, tally.delivered, where);
    result.observe(exported, tally.failed, { ...where, 'error.type': EXPORT_FAILED });
  };
  meter.addBatchObservableCallback(
    (result) => {
      const span = spans();
      if (span) {
        result.observe(spansEnded, span.ended);
        observeOutcomes(result, spansExported, span);
        result.observe(spansProcessed, span.queueFull, { 'error.type': QUEUE_FULL });
      }
      observeOutcomes(result, pointsExported, metricPoints());
      const { loki, otlp } = logs();
      if (loki) {
        observeOutcomes(result, logsExported, loki, LOKI_TRANSPORT);
        result.observe(logsProcessed, loki.queueFull, { ...LOKI_TRANSPORT, 'error.type': QUEUE_FULL });
      }
      if (otlp) {
        result.observe(logsCreated, otlp.created);
        observeOutcomes(result, logsExported, otlp, OTLP_LOG_EXPORTER);
        result.observe(logsProcessed, otlp.queueFull, { ...OTLP_LOG_PROCESSOR, 'error.type': QUEUE_FULL });
      }
    },
    [spansEnded, spansExported, spansProcessed, logsCreated, logsExported, logsProcessed, pointsExported],
  );
}
