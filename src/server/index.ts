/**
 * server/ — the gRPC side of an instance: A/B/C handlers that hand each request to the engine,
 * the Caller the engine uses to reach other instances, health, reflection and graceful shutdown,
 * and the instance's metric instruments (the RPC durations, and the StepMeter the engine reports to).
 * Loaded only after telemetry has started, so the gRPC instrumentation sees grpc-js.
 */
export { runInstance, StartError } from './run-instance';
export { routeGrpcJsLogs } from './grpc-js-logging';
export { exitOnStopSignals } from './graceful-shutdown';
