/**
 * engine/ — performs a behaviour tree: Functions, Sleeps, CallServices and whatever else is
 * registered in actions/registry.ts. It knows nothing of gRPC servers or the OpenTelemetry SDK:
 * it gets a Caller, a Random and a Clock, and uses only @opentelemetry/api for spans.
 */
export * from './model';
export * from './ports';
export * from './performer';
export * from './status-name';
export * from './span-names';
export { TRACE_ID_HEADER } from './trace-id-header';
export { StepFailure } from './step-failure';
export { prepareSystemClock, systemClock, eventLoopTurns, TurnQueue, type PreparedClock, type SleepTimer, type TimerPriority } from './timing';
export { systemRandom, seededRandom } from './random';
export { functionSchema } from './schema';
export * from './distributions/latency-distribution';
