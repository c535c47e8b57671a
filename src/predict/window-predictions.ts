import { grpcSpanName, type GrpcMethod } from '../engine';
import type { SpanShape } from '../probability';
import type { ScheduledIncident } from '../topology';
import { incidentOverlay } from './incident-overlay';
import { Predictor, type EndpointPrediction, type PredictOptions } from './predictor';
import type { PredictionWorld } from './prediction-world';

/** A request to one endpoint made inside one incident's windows. */
export interface WindowPrediction {
  readonly incident: ScheduledIncident;
  /** False when no Sleep the incident changes is on the request's way: its prediction is the baseline's. */
  readonly reaches: boolean;
  readonly prediction: EndpointPrediction;
}

/**
 * What a request does outside every incident window (the baseline) and inside each incident's
 * windows, reckoned with that incident alone: overlapping windows are warned of when the
 * topology loads, and predict and verify report each window by its own incident.
 */
export class WindowPredictions {
  private readonly baseline: Predictor;
  private readonly inside: readonly { readonly incident: ScheduledIncident; readonly predictor: Predictor }[];

  constructor(world: PredictionWorld, incidents: readonly ScheduledIncident[], options: Omit<PredictOptions, 'incidents'> = {}) {
    this.baseline = new Predictor(world, options);
    this.inside = incidents.map((incident) => ({ incident, predictor: new Predictor(world, { ...options, incidents: incidentOverlay([incident]) }) }));
  }

  /** Throws PredictError as Predictor.predict does. */
  baselineOf(service: string, method: GrpcMethod): EndpointPrediction {
    return this.baseline.predict(service, method);
  }

  /** One per incident, in the topology's order. */
  windowsOf(service: string, method: GrpcMethod): WindowPrediction[] {
    const baseline = this.baselineOf(service, method);
    return this.inside.map(({ incident, predictor }) => {
      const reaches = changesSomething(baseline.shape, incident, false);
      return { incident, reaches, prediction: reaches ? predictor.predict(service, method) : baseline };
    });
  }
}

/** Whether a Sleep the incident changes is in the span tree (`inside`: below a SERVER span of its service and method). */
function changesSomething(shape: SpanShape, incident: ScheduledIncident, inside: boolean): boolean {
  let within = inside;
  if (shape.kind === 'SERVER') {
    within = shape.service === incident.service && (incident.method === undefined || shape.name === grpcSpanName(incident.method));
  }
  if (within && shape.step === 'Sleep' && (incident.step === undefined || shape.name === incident.step)) return true;
  return shape.groups.some((group) => group.some((child) => changesSomething(child, incident, within))) || (shape.attempt !== undefined && changesSomething(shape.attempt.shape, incident, within));
}
