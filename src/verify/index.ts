/**
 * verify/ — checks a telemetry pipeline end to end: sends requests to a running topology, reads
 * their traces (Tempo, Jaeger, or `thespian up`'s own query API) and log lines (Loki) back over
 * HTTP, and holds each trace against the prediction of what the request must have produced
 * (predict/): traces complete, partial or missing, spans lost, broken parent links, log lines
 * lost, and the observed failure rate against the predicted one.
 *
 * It sends through traffic/, which loads @grpc/grpc-js only when its client is made.
 */
export { runVerify, VerifyError } from './verify-run';
export { checkTrace, type TraceCheck, type TraceVerdict } from './trace-check';
export { formatReport } from './format-report';
export { tempoSource } from './tempo-reader';
export { jaegerSource } from './jaeger-reader';
export { lokiSource } from './loki-reader';
export { wilsonInterval } from './wilson';
export { BackendError, normaliseId, type ObservedSpan, type ObservedLine, type TraceSource, type LogSource } from './observed-span';
export type { VerifyResult, TraceReport, RateComparison } from './verify-result';
