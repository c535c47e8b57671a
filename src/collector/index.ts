/**
 * collector/ — Thespian's embedded telemetry backend.
 *
 * It owns the receivers that stand in for Tempo and Loki when there is no Grafana stack (and no
 * Docker): an OTLP/gRPC trace receiver that decodes spans into plain ReceivedSpan objects, and a
 * Loki push (JSON) receiver that keeps log lines. `thespian up` draws what they receive and the
 * tests assert on it; both keep a bounded number of items so a long run cannot exhaust memory.
 * Trace assembly (spans → trees), terminal drawing, the --json line format,
 * the forwarder to a real backend, and the query API that serves what was received in Tempo's
 * and Loki's formats (for `thespian verify --embedded`) live here too, each in its own file.
 *
 * Starting an OtlpTraceReceiver loads @grpc/grpc-js; importing this module does not.
 */
export { OtlpTraceReceiver } from './otlp-trace-receiver';
export {
  decodeExportRequest,
  type AttrValue,
  type ReceivedEvent,
  type ReceivedSpan,
} from './received-span';
export {
  LokiPushReceiver,
  type ReceivedLogLine,
} from './loki-push-receiver';
export { assembleTrace, TraceAssembler, type AssembledTrace, type SpanNode } from './trace-assembler';
export { renderTrace, type RenderOptions } from './waterfall-renderer';
export { spanJsonLine } from './span-json-line';
export { startOtlpForwarder, type OtlpForwarder } from './otlp-forwarder';
export { TraceStore } from './trace-store';
export { LogStore } from './log-store';
export { tempoTraceJson } from './tempo-json';
export { parseLogQuery, matchesLogQuery, LogQueryError } from './logql-query';
export { QueryApiServer, defaultQueryPort } from './query-api-server';
