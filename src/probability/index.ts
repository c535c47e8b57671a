/**
 * probability/ — the pure mathematics that predictions are made of, with no knowledge of
 * behaviours, services or spans being performed: the Random source type, latency distributions
 * with their draws, CDFs and quantiles, durations combined in sequence, together or as
 * alternatives, the outcome algebra of status codes, spans and log lines, and the predicted span
 * tree (span-shape.ts) that `predict` draws and `verify` checks traces against. Each action kind
 * in engine/actions predicts itself with these; the driver that walks a whole behaviour is
 * predict/. It imports nothing of ours but common/.
 */
export * from './random';
export { describeDistribution, latencyModel, MAX_LATENCY_MS, sampleLatency, type LatencyDistribution } from './latency-distribution';
export {
  addDurations,
  cdfOf,
  drawnDuration,
  durationBelow,
  fixedDuration,
  fixedValue,
  hasClosedForm,
  isDiscrete,
  mixDurations,
  quantileOf,
  sampleDuration,
  scaledDuration,
  ZERO,
  type Duration,
} from './duration';
export * from './outcome';
export * from './span-shape';
