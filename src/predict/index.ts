/**
 * predict/ — what a request is expected to do, worked out from the behaviours without running
 * them: the span tree (spans per service and name, and how many), the probability of each
 * failure code (exact from the tree: sequences, concurrency, nesting, calls across services,
 * retries; timeouts exactly where the latency has a closed-form CDF, else estimated by
 * sampling), log lines, and latency (exact for fixed durations, Monte Carlo otherwise).
 *
 * Each action kind predicts itself (`predict` beside `perform` in engine/actions/), using the
 * small probability algebra here (duration.ts, outcome.ts). `thespian predict` prints it,
 * `thespian verify` holds traces against it, and `thespian up` counts spans with it.
 */
export { Predictor, type EndpointPrediction, type LatencySummary } from './predictor';
export { worldOfBehaviour, worldOfTopology, type PredictionWorld } from './prediction-world';
export { PredictError, type PredictContext, type StepPrediction, type CalleePrediction } from '../engine/predict-context';
export { spanKey, successSpans, type SpanShape } from '../probability/span-shape';
export { totalLines, type LineCounts } from '../probability/outcome';
export { formatPrediction } from './format-prediction';
export { predictionJson } from './prediction-json';
