import type { GrpcMethod } from '../engine';
import { endpointName } from '../common';
import { successSpans, type SpanShape } from '../probability';
import type { Topology } from '../topology';
import { PredictError } from './predict-error';
import { worldOfTopology } from './prediction-world';
import { Predictor } from './predictor';

interface KnownShapes {
  readonly predictor: Predictor;
  /** By "service/method"; undefined where the spans cannot all be known. */
  readonly shapes: Map<string, SpanShape | undefined>;
}

const knownShapes = new WeakMap<Topology, KnownShapes>();

/**
 * The span tree one request to `service`/`method` is predicted to make, in a topology as
 * `thespian up` runs it: what `up` holds each received trace against (with verify's
 * checkTrace, which reads the attempts the trace shows). Undefined when it cannot be known: a
 * call to an address outside the topology, or a call cycle. Worked out once per endpoint.
 */
export function predictedShape(topology: Topology, service: string, method: GrpcMethod): SpanShape | undefined {
  let known = knownShapes.get(topology);
  // One sample: only the span tree is wanted here, not latency figures.
  if (!known) knownShapes.set(topology, (known = { predictor: new Predictor(worldOfTopology(topology), { samples: 1 }), shapes: new Map() }));
  const key = endpointName(service, method);
  if (!known.shapes.has(key)) known.shapes.set(key, knowableShape(known.predictor, service, method));
  return known.shapes.get(key);
}

/**
 * How many spans one request to `service`/`method` produces when every step succeeds (each
 * call at its first attempt): the SERVER span of each instance reached, one span per step, and
 * the CLIENT span of each call. Undefined when predictedShape is. A retried call adds spans and
 * a failed request stops early, so received traces are held against the shape, not this number.
 */
export function expectedSpansOfSuccess(topology: Topology, service: string, method: GrpcMethod): number | undefined {
  const shape = predictedShape(topology, service, method);
  return shape && successSpans(shape).length;
}

function knowableShape(predictor: Predictor, service: string, method: GrpcMethod): SpanShape | undefined {
  try {
    const prediction = predictor.predict(service, method);
    // A call outside the topology: what happens below it is not known, so neither is the count.
    return prediction.spansKnown ? prediction.shape : undefined;
  } catch (error) {
    // A call cycle has no single span tree.
    if (error instanceof PredictError) return undefined;
    throw error;
  }
}
