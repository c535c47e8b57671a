/**
 * collector/ — Thespian's embedded telemetry backend, for when there is no Grafana stack: an
 * OTLP/gRPC receiver (spans as plain ReceivedSpans; metric data points and log records too, on
 * the same port, when asked) and a Loki push receiver (log lines),
 * each keeping a bounded number of items; the stores and the HTTP query API that serve them back
 * in Tempo's and Loki's formats (`thespian verify --embedded`); trace assembly (spans → whole
 * traces), the terminal waterfall, `up --json`'s span line, the quantiles of explicit-bucket
 * histograms, and the forwarder of all three signals to a real backend.
 * `thespian up` and the tests use it. Starting an OtlpTraceReceiver loads @grpc/grpc-js;
 * importing this module does not.
 */
export { OtlpTraceReceiver, type ReceivedExport } from './otlp-trace-receiver';
export type { OtlpSignal } from './otlp-service';
export type { ReceivedMetricPoint } from './received-metric';
export { logLineOfRecord, type ReceivedLogRecord } from './received-log';
export { bucketOfQuantile, addCounts, type QuantileBucket } from './histogram-quantile';
export { rfc3339Nanos } from './rfc3339-nanos';
export type { AttrValue, ReceivedSpan } from './received-span';
export { LokiPushReceiver, type ReceivedLogLine } from './loki-push-receiver';
export { assembleTrace, TraceAssembler, type AssembledTrace } from './trace-assembler';
export { renderTrace } from './waterfall-renderer';
export { spanJsonLine } from './span-json-line';
export { startOtlpForwarder, type ForwardedCounts, type OtlpForwarder } from './otlp-forwarder';
export { TraceStore } from './trace-store';
export { LogStore } from './log-store';
export { QueryApiServer, defaultQueryPort } from './query-api-server';
