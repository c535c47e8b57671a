/**
 * engine/ — performs a behaviour tree: Functions and the steps registered in actions/registry.ts,
 * each kind in its own file under actions/. It knows nothing of gRPC servers or the OpenTelemetry
 * SDK: it gets a Caller, a Random and a Clock, and uses only @opentelemetry/api for spans.
 *
 * It offers: the behaviour model and its schema and kinds (config/ validates with them), the
 * ports and createPerformer, the trace-id header and the hop mark (server/ runs requests with
 * them), the few span names read outside, the real Clock (timing/) and the seedable Random, the
 * registered kinds with the context their `predict` gets (for predict/'s driver), and the readers
 * of the attempt and log events the kinds write (for verify/). Each kind predicts itself with the
 * probability/ leaf, which is why that leaf sits below the engine and not in predict/.
 */
export { GRPC_METHODS, type Action, type Behaviour, type GrpcMethod } from './model';
export { CallFailure, type CallOptions, type Caller, type CallTarget, type Clock, type RequestSignal, type StepMeter } from './ports';
export { createPerformer, type Performer } from './performer';
export { ATTEMPT_EVENT, EXCEPTION_EVENT, INCIDENT_ATTRIBUTE, INJECTED_ATTRIBUTE, KIND_ATTRIBUTE, QUEUED_MS_ATTRIBUTE, THESPIAN_RPC_SERVICE } from './span-names';
export {
  INJECTED_FAILURES_METRIC,
  INJECTED_KIND_ATTRIBUTE,
  REQUESTS_IN_FLIGHT_METRIC,
  STEP_DURATION_METRIC,
  STEP_KIND_ATTRIBUTE,
  STEP_NAME_ATTRIBUTE,
} from './span-names';
export { makeIncident, type Incident, type IncidentFields, type IncidentSource } from './incident';
export { IncidentBoard, MAX_EXTRA_LATENCY_MS, MAX_INCIDENT_MS, MAX_LATENCY_FACTOR, type IncidentDraft, type InjectResult } from './incident-board';
export { TRACE_ID_HEADER } from './trace-id-header';
export { StepFailure, type InjectedFailure } from './step-failure';
export { prepareSystemClock, eventLoopTurns, TurnQueue, type TimerPriority } from './timing';
export { systemRandom, seededRandom } from './random';
export { functionSchema } from './schema';
export type { PredictContext, CalleePrediction } from './predict-context';
export type { NoteCategory } from './predict-context';
export { actionKind, findActionKind } from './actions/registry';
export { functionAction } from './actions/function';
export { grpcSpanName, hopMark } from './actions/call-service';
export { callServiceAction } from './actions/call-service';
export { sentAttemptCodes } from './actions/attempt-events';
export { lineEventLevel } from './actions/log-event';
