/**
 * predict/ — what a request is expected to do, worked out from the behaviours without running
 * them: the span tree (which spans, per service and name, and how many), the probability of each
 * failure code, the log lines, and latency (exact for fixed durations, Monte Carlo otherwise).
 * This is the driver: Predictor walks a whole behaviour and the callees of its calls, while each
 * action kind predicts itself (`predict` beside `perform` in engine/actions/) with the
 * probability/ leaf's algebra. It offers the worlds a prediction knows (one behaviour, or a
 * topology as `thespian up` runs it), the predicted span tree per endpoint (what `up` and
 * `verify` hold traces against), predictions inside a topology's incident windows (the engine's
 * incidents laid over the behaviours), and the text and JSON forms `thespian predict` prints.
 */
export { Predictor, type EndpointPrediction } from './predictor';
export { engineIncident, incidentOverlay } from './incident-overlay';
export { WindowPredictions, type WindowPrediction } from './window-predictions';
export { PredictError } from './predict-error';
export { worldOfBehaviour, worldOfTopology, type PredictionWorld } from './prediction-world';
export { expectedSpansOfSuccess, predictedShape } from './expected-spans';
export { formatPrediction, incidentWhen } from './format-prediction';
export { predictionJson } from './prediction-json';
