/**
 * telemetry/ — the OpenTelemetry SDK (spans to OTLP/gRPC) and the logger (stdout JSON and Loki).
 * Started first, before anything loads @grpc/grpc-js; never imports grpc-js itself.
 */
export { startTracing, type Tracing } from './start-tracing';
export { createLogger, type Logger } from './logger';
export { withDeadline } from './with-deadline';
