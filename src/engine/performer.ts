import { actionKind } from './actions/registry';
import type { Action, Behaviour, GrpcMethod } from './model';
import { performFunction } from './perform-function';
import type { Random } from '../probability';
import { endpointName } from '../common';
import type { StepContext } from './step-context';
import type { RequestSignal } from './ports';
import type { IncidentSource } from './incident';

/** The behaviour and who acts it out, and the ports every step gets (in its StepContext). */
interface PerformerDependencies extends Pick<StepContext, 'tracer' | 'caller' | 'random' | 'clock' | 'log' | 'meter'> {
  readonly behaviour: Behaviour;
  readonly serviceName: string;
  /** The instance's incidents (its Admin API's board); absent, no step is ever changed. */
  readonly incidents?: IncidentSource;
}

/** What the server knows about one incoming request. */
interface RequestInfo {
  readonly signal: RequestSignal;
  readonly deadline?: number;
  readonly hops: number;
  /** The caller's random stream name (x-thespian-random-key), when another seeded Thespian called. */
  readonly randomKey?: string;
}

export type Performer = (method: GrpcMethod, request: RequestInfo) => Promise<void>;

/**
 * Builds the function that acts out a behaviour for one request.
 * Resolves when the method's behaviour succeeded; rejects with a StepFailure otherwise.
 * A method with no behaviour (missing or null in the config) succeeds at once.
 */
export function createPerformer(dependencies: PerformerDependencies): Performer {
  const performAction = (action: Action, context: StepContext) => actionKind(action.kind).perform(action.spec, context);
  const requestsSoFar: Record<GrpcMethod, number> = { A: 0, B: 0, C: 0 };
  const { incidents: source, clock } = dependencies;

  // Not async: performFunction's own promise is the answer (an async layer costs each request promises).
  return (method, request) => {
    const fn = dependencies.behaviour.methods[method];
    if (!fn) return Promise.resolve();
    const context: StepContext = {
      tracer: dependencies.tracer,
      caller: dependencies.caller,
      random: requestRandom(dependencies.random, method, fn.tracingName, request.randomKey, ++requestsSoFar[method]),
      clock: dependencies.clock,
      log: dependencies.log,
      meter: dependencies.meter,
      signal: request.signal,
      deadline: request.deadline,
      hops: request.hops,
      trail: [endpointName(dependencies.serviceName, method)],
      incidents: source && (() => source.active(method, clock.now())),
      performAction,
    };
    return performFunction(fn, context);
  };
}

/**
 * Each request draws from its own stream, so that concurrent requests cannot take each other's
 * numbers. A request from another seeded Thespian is named by the caller's step and attempt (sent
 * as x-thespian-random-key), so concurrent calls arriving in either order draw the same; any other
 * request is named by its arrival number for its method. The Function's name is mixed in so that
 * different services sharing a seed do not roll alike. See docs/config-reference.md, "Randomness".
 */
function requestRandom(random: Random, method: GrpcMethod, functionName: string, randomKey: string | undefined, arrival: number): Random {
  if (!random.fork) return random;
  return random.fork(randomKey !== undefined ? `via ${randomKey} ${method} ${functionName}` : `${method} ${functionName} #${arrival}`);
}
