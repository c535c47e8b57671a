/**
 * predict/ — what a request is expected to do, worked out from the behaviours without running
 * them: the span tree (spans per service and name, and how many), the probability of each
 * failure code (exact from the tree: sequences, concurrency, nesting, calls across services,
 * retries; timeouts exactly where the latency has a closed-form CDF, else estimated by
 * sampling), log lines, and latency (exact for fixed durations, Monte Carlo otherwise).
 *
 * This is the driver: Predictor walks a whole behaviour (and the callees of its calls) while
 * each action kind predicts itself (`predict` beside `perform` in engine/actions/) with the
 * probability/ leaf's algebra. Here too: the worlds a prediction knows (one behaviour, or a
 * topology as `thespian up` runs it), the predicted span tree per endpoint of a topology
 * (predictedShape, what `thespian up` counts spans with), and the text and JSON forms that
 * `thespian predict` prints; `thespian verify` holds traces against the same predictions.
 */
export { Predictor, type EndpointPrediction } from './predictor';
export { PredictError } from './predict-error';
export { worldOfBehaviour, worldOfTopology, type PredictionWorld } from './prediction-world';
export { expectedSpansOfSuccess, predictedShape } from './expected-spans';
export { formatPrediction } from './format-prediction';
export { predictionJson } from './prediction-json';
