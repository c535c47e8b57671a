import type { EndpointPrediction } from './predictor';
import type { SpanShape } from '../probability';
import { endpointName } from '../common';

/** Version of the --json shape; raised when a field changes meaning. */
const PREDICTION_JSON_VERSION = 1;

interface PredictionJson {
  version: number;
  endpoint: string;
  service: string;
  method: string;
  function: string | null;
  failure: { probability: number; by_code: Record<string, number>; exact: boolean };
  spans: {
    success: number;
    known: boolean;
    mean: number;
    by_span: { service: string; kind: string; name: string; count: number }[];
  };
  log_lines: { mean: Record<string, number>; success: Record<string, number> | null; assumes_log_level: 'info' };
  latency_ms: { success: Record<string, unknown> | null; all: Record<string, unknown>; samples: number; seed: number };
  tree: unknown;
  /** `kind` is the note's category (estimate, assumption): the key is part of the version-1 shape. */
  notes: { kind: string; text: string }[];
}

/** A prediction as plain JSON for scripts (`thespian predict --json`). */
export function predictionJson(prediction: EndpointPrediction): PredictionJson {
  return {
    version: PREDICTION_JSON_VERSION,
    endpoint: endpointName(prediction.service, prediction.method),
    service: prediction.service,
    method: prediction.method,
    function: prediction.functionName ?? null,
    failure: { probability: prediction.failure.probability, by_code: { ...prediction.failure.byCode } as Record<string, number>, exact: prediction.failure.exact },
    spans: {
      success: prediction.successSpans,
      known: prediction.spansKnown,
      mean: prediction.meanSpans,
      by_span: prediction.spansByKey.map((entry) => ({ ...entry })),
    },
    log_lines: { mean: { ...prediction.logLines.mean }, success: prediction.logLines.success ? { ...prediction.logLines.success } : null, assumes_log_level: 'info' },
    latency_ms: {
      success: prediction.latencyMs.success ? { ...prediction.latencyMs.success } : null,
      all: { ...prediction.latencyMs.all },
      samples: prediction.samples,
      seed: prediction.seed,
    },
    tree: shapeJson(prediction.shape),
    notes: prediction.notes.map((note) => ({ kind: note.category, text: note.text })),
  };
}

function shapeJson(shape: SpanShape): unknown {
  return {
    service: shape.service,
    kind: shape.kind,
    name: shape.name,
    ...(shape.step ? { step: shape.step } : {}),
    ...(shape.detail ? { detail: shape.detail } : {}),
    p_fail: shape.pFail,
    ...(shape.groups.length > 0 ? { groups: shape.groups.map((group) => group.map(shapeJson)) } : {}),
    ...(shape.attempt ? { attempt: { max_attempts: shape.attempt.maxAttempts, retries: shape.attempt.retries, span: shapeJson(shape.attempt.shape) } } : {}),
    ...(shape.external ? { external: shape.external } : {}),
  };
}
