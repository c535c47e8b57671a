/**
 * collector/ — Thespian's embedded telemetry backend, for when there is no Grafana stack: an
 * OTLP/gRPC trace receiver (spans as plain ReceivedSpans) and a Loki push receiver (log lines),
 * each keeping a bounded number of items; the stores and the HTTP query API that serve them back
 * in Tempo's and Loki's formats (`thespian verify --embedded`); trace assembly (spans → whole
 * traces), the terminal waterfall, `up --json`'s span line, and the forwarder to a real backend.
 * `thespian up` and the tests use it. Starting an OtlpTraceReceiver loads @grpc/grpc-js;
 * importing this module does not.
 */
export { OtlpTraceReceiver } from './otlp-trace-receiver';
export type { AttrValue, ReceivedSpan } from './received-span';
export { LokiPushReceiver, type ReceivedLogLine } from './loki-push-receiver';
export { assembleTrace, TraceAssembler, type AssembledTrace } from './trace-assembler';
export { renderTrace } from './waterfall-renderer';
export { spanJsonLine } from './span-json-line';
export { startOtlpForwarder, type OtlpForwarder } from './otlp-forwarder';
export { TraceStore } from './trace-store';
export { LogStore } from './log-store';
export { QueryApiServer, defaultQueryPort } from './query-api-server';
