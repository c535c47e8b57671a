import type { EndpointPrediction } from './predictor';
import type { WindowPrediction } from './window-predictions';
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
  /** A topology's incidents: a request inside each one's windows (absent without incidents). */
  incidents?: IncidentJson[];
}

interface IncidentJson {
  name: string;
  service: string;
  method: string | null;
  step: string | null;
  window: { at_ms: number; for_ms: number; repeat_every_ms: number | null };
  /** False when the incident changes no step this endpoint's requests reach: the prediction is the baseline's. */
  changes_request: boolean;
  failure: PredictionJson['failure'];
  latency_ms: PredictionJson['latency_ms'];
}

/** A prediction as plain JSON for scripts (`thespian predict --json`). */
export function predictionJson(prediction: EndpointPrediction, windows: readonly WindowPrediction[] = []): PredictionJson {
  const json = baseJson(prediction);
  if (windows.length > 0) {
    json.incidents = windows.map(({ incident, reaches, prediction: inside }) => {
      const { failure, latency_ms } = baseJson(inside);
      return {
        name: incident.name,
        service: incident.service,
        method: incident.method ?? null,
        step: incident.step ?? null,
        window: { at_ms: incident.atMs, for_ms: incident.forMs, repeat_every_ms: incident.repeatEveryMs ?? null },
        changes_request: reaches,
        failure,
        latency_ms,
      };
    });
  }
  return json;
}

function baseJson(prediction: EndpointPrediction): PredictionJson {
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
