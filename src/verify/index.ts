/**
 * verify/ — checks a telemetry pipeline end to end (runVerify): sends requests to a running
 * topology through traffic/, reads their traces (Tempo, Jaeger, or `thespian up`'s own query API)
 * and log lines (Loki) back over HTTP, and holds each trace against the prediction of what the
 * request must have produced (predict/): traces complete, partial or missing, spans lost, broken
 * parent links, log lines lost, and the observed failure rate against the predicted one, with its
 * Wilson interval; with a topology's incidents it plays their schedule while it sends (chaos/)
 * and holds the requests of each window against the prediction inside it. It offers the backend readers, the report's text form, and checkTrace, which
 * `thespian up` uses to judge each trace as it arrives.
 */
export { runVerify, VerifyError, VerifyStopped, type VerifyIncidents } from './verify-run';
export { COVER_LIMITS, sendingPlan } from './sending-plan';
export { EDGE_MARGIN_MS } from './window-report';
export { checkTrace } from './trace-check';
export { formatReport } from './format-report';
export { readTempoTrace, tempoSource } from './tempo-reader';
export { jaegerSource, readJaegerTrace } from './jaeger-reader';
export { lokiSource } from './loki-reader';
export { prometheusSource, type MetricsSource } from './prometheus-reader';
export { wilsonInterval } from './wilson';
export type { LogSource, ObservedSpan, TraceSource } from './observed-span';
export type { VerifyResult, TraceReport, RateComparison, MetricsReport, IncidentsReport, WindowReport } from './verify-result';
