/**
 * traffic/ — drives traffic at Thespian instances, the same way for `load`, `verify` and `up`:
 * openTraffic pairs the one open-loop scheduler (request i due at t0 + i/rate, or where the
 * integral of a staged rate reaches i + 1 (StagePlan), bounded by a duration or a count or running until stop()) with the one gRPC driving client (reused channels
 * per target, the trace id read from each answer's x-trace-id header); sendToTargets runs a whole
 * plan and gathers every request's outcome (what `load` and `verify` do); localTargets turns a
 * topology's entry points into targets on this machine. Around them: HDR-histogram latency
 * percentiles, the live progress line, the text summary and the --json result. It never starts the OpenTelemetry SDK: the traffic generator is not itself traced.
 *
 * Importing it loads neither @grpc/grpc-js (required when a client is made: `serve` must start
 * the SDK first) nor hdr-histogram-js (required when a histogram is made), so command modules
 * may import it at the top. Its driving client takes engine/'s leaf files, not engine/index,
 * which would load the whole engine for `poke` and `load`.
 */
export { parseTargetAddress, TargetAddressError, type TargetAddress } from './target-address';
export type { DrivingClient } from './driving-client';
export { makeDrivingClient } from './make-driving-client';
export { openTraffic, type Traffic } from './open-traffic';
export { sendToTargets } from './send-to-targets';
export { localTargets, type LocalTarget } from './local-targets';
export type { LoadPlan, LoadTarget, RequestOutcome } from './open-loop';
export { StagePlan, StagePlanError, type LoadStage } from './stage-plan';
export type { RequestRecord } from './request-log';
export { LatencyHistogram } from './latency-histogram';
export { formatSummary } from './format-summary';
export { ProgressDisplay } from './progress-display';
export { writeJsonResult } from './write-json-result';
