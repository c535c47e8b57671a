import type { GrpcMethod } from '../engine/model';
import { PredictError } from '../engine/predict-context';
import { worldOfTopology } from './prediction-world';
import { Predictor } from './predictor';
import type { Topology } from '../topology/topology-model';

const predictors = new WeakMap<Topology, Predictor>();

/**
 * How many spans one request to `service`/`method` produces when every step succeeds (each
 * call at its first attempt): the SERVER span of each instance reached, one span per step, and
 * the CLIENT span of each call. Undefined when it cannot be known: a call to an address outside
 * the topology, or a call cycle. A retried call adds spans and a failed request stops early, so
 * received traces are not checked against this number: `thespian up` and `verify` hold each one
 * against the predicted span tree with verify's checkTrace, which reads the attempts the trace
 * shows. The count comes from the same prediction (predict/).
 */
export function expectedSpansOfSuccess(topology: Topology, service: string, method: GrpcMethod): number | undefined {
  let predictor = predictors.get(topology);
  if (!predictor) predictors.set(topology, (predictor = new Predictor(worldOfTopology(topology), { samples: 1 })));
  try {
    const prediction = predictor.predict(service, method);
    return prediction.spansKnown ? prediction.successSpans : undefined;
  } catch (error) {
    if (error instanceof PredictError) return undefined;
    throw error;
  }
}
