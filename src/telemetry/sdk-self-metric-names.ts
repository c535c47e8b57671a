import type * as incubating from '@opentelemetry/semantic-conventions/incubating';

/*
 * The names of the SDK's own health metrics, from the incubating semantic conventions.
 * Written out here, rather than imported, because importing `…/incubating` loads every
 * experimental attribute and metric of the conventions (about 7.5 MB of RSS in an instance,
 * issue 14) for these eleven strings. The `typeof incubating.X` type on each (a type-only import,
 * erased from the build) makes the type-check fail if the pinned library's value ever differs.
 */
export const ATTR_OTEL_COMPONENT_NAME: typeof incubating.ATTR_OTEL_COMPONENT_NAME = 'otel.component.name';
export const ATTR_OTEL_COMPONENT_TYPE: typeof incubating.ATTR_OTEL_COMPONENT_TYPE = 'otel.component.type';
export const METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED: typeof incubating.METRIC_OTEL_SDK_EXPORTER_LOG_EXPORTED = 'otel.sdk.exporter.log.exported';
export const METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED: typeof incubating.METRIC_OTEL_SDK_EXPORTER_METRIC_DATA_POINT_EXPORTED =
  'otel.sdk.exporter.metric_data_point.exported';
export const METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED: typeof incubating.METRIC_OTEL_SDK_EXPORTER_SPAN_EXPORTED = 'otel.sdk.exporter.span.exported';
export const METRIC_OTEL_SDK_LOG_CREATED: typeof incubating.METRIC_OTEL_SDK_LOG_CREATED = 'otel.sdk.log.created';
export const METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED: typeof incubating.METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED = 'otel.sdk.processor.log.processed';
export const METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED: typeof incubating.METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED = 'otel.sdk.processor.span.processed';
export const METRIC_OTEL_SDK_SPAN_ENDED: typeof incubating.METRIC_OTEL_SDK_SPAN_ENDED = 'otel.sdk.span.ended';
export const OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR: typeof incubating.OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR = 'batching_log_processor';
export const OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER: typeof incubating.OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER = 'otlp_grpc_log_exporter';
