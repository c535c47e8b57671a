/**
 * traffic/ — drives traffic at Thespian instances: the gRPC driving client (one set of reused
 * channels per target, trace id read from each answer's x-trace-id header), the open-loop
 * scheduler that `thespian load` runs and `verify` reuses to send N requests and collect their
 * status, latency and trace id, HDR-histogram latency percentiles, the live progress line, the
 * text summary and the --json result. It never starts the OpenTelemetry SDK: the load
 * generator is not itself traced.
 *
 * It loads @grpc/grpc-js at the top; CLI commands require this module inside run().
 */
export { parseTargetAddress, TargetAddressError, type TargetAddress } from './target-address';
export { DrivingClient, type CallOutcome, type GrpcMethodName } from './driving-client';
export { sendToTargets } from './send-to-targets';
export { OpenLoopRun, type LoadPlan, type LoadTarget, type LiveSnapshot } from './open-loop';
export type { LoadResult, LoadSummary, TargetSummary, StatusCounts } from './load-result';
export { RequestLog, type RequestRecord } from './request-log';
export { LatencyHistogram, type LatencyPercentiles } from './latency-histogram';
export { formatSummary } from './format-summary';
export { ProgressDisplay, progressLine } from './progress-display';
export { writeJsonResult } from './write-json-result';
