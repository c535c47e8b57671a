/** The behaviour cannot be predicted (e.g. it calls itself in a cycle); the message says why. */
export class PredictError extends Error {}
