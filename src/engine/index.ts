/**
 * engine/ — performs a behaviour tree: Functions, Sleeps, CallServices and whatever else is
 * registered in actions/registry.ts. It knows nothing of gRPC servers or the OpenTelemetry SDK:
 * it gets a Caller, a Random and a Clock, and uses only @opentelemetry/api for spans.
 *
 * It offers: the behaviour model and its schema (config/ validates with it), the ports and
 * createPerformer (server/ runs requests with them), the span and attribute names it writes,
 * the real Clock (timing/) and the seedable Random, and, for predict/'s driver, the registered
 * action kinds with the context their `predict` gets. Each kind predicts itself with the
 * probability/ leaf, which is why that leaf sits below the engine and not in predict/.
 */
export * from './model';
export * from './ports';
export * from './performer';
export * from './span-names';
export { TRACE_ID_HEADER } from './trace-id-header';
export { StepFailure } from './step-failure';
export { prepareSystemClock, eventLoopTurns, TurnQueue, type TimerPriority } from './timing';
export { systemRandom, seededRandom } from './random';
export { functionSchema } from './schema';
export type { PredictContext, CalleePrediction } from './predict-context';
export { actionKind, findActionKind } from './actions/registry';
export { functionAction } from './actions/function';
export { grpcSpanName, hopMark } from './actions/call-service';
export { sentAttemptCodes } from './actions/attempt-events';
export { lineEventLevel } from './actions/log-event';
