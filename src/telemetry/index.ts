/**
 * telemetry/ — the OpenTelemetry SDK (spans to OTLP/gRPC) and the logger (stdout JSON, Loki, and
 * OTLP log records when OTEL_LOGS_EXPORTER asks).
 * Started first, before anything loads @grpc/grpc-js; never imports grpc-js itself.
 * Says what it could not deliver: one DeliveryReporter per backend warns when delivery starts
 * failing, at most once a minute while it fails, once when it recovers, and counts for `stopped`.
 * Metrics (OTEL_METRICS_EXPORTER): the meter the server's instruments are made with, and those
 * counts again as the SDK's self-observability metrics.
 */
export { startTracing, startTracingPack, type Tracing, type TracingPack } from './start-tracing';
export { createLogger, type Logger } from './logger';
export { reportFailedStart, startLogging } from './instance-logging';
export { withDeadline } from './with-deadline';
export { addressForLogs } from './address-for-logs';
export { serviceInstanceId } from './instance-resource';
