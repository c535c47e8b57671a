import type { Tracer } from '@opentelemetry/api';
import { actionKind } from './actions/registry';
import type { Action, Behaviour, GrpcMethod } from './model';
import { performFunction } from './perform-function';
import type { Caller, Clock, Random, StepLogger } from './ports';
import type { StepContext } from './step-context';

export interface PerformerDependencies {
  readonly behaviour: Behaviour;
  readonly serviceName: string;
  readonly tracer: Tracer;
  readonly caller: Caller;
  readonly random: Random;
  readonly clock: Clock;
  readonly log: StepLogger;
}

/** What the server knows about one incoming request. */
export interface RequestInfo {
  readonly signal: AbortSignal;
  readonly deadline?: number;
  readonly hops: number;
}

export type Performer = (method: GrpcMethod, request: RequestInfo) => Promise<void>;

/**
 * Builds the function that acts out a behaviour for one request.
 * Resolves when the method's behaviour succeeded; rejects with a StepFailure otherwise.
 * A method with no behaviour (missing or null in the config) succeeds at once.
 */
export function createPerformer(dependencies: PerformerDependencies): Performer {
  const performAction = (action: Action, context: StepContext) => actionKind(action.kind).perform(action.spec, context);

  return async (method, request) => {
    const fn = dependencies.behaviour.methods[method];
    if (!fn) return;
    const context: StepContext = {
      tracer: dependencies.tracer,
      caller: dependencies.caller,
      random: dependencies.random,
      clock: dependencies.clock,
      log: dependencies.log,
      signal: request.signal,
      deadline: request.deadline,
      hops: request.hops,
      trail: [`${dependencies.serviceName}/${method}`],
      performAction,
    };
    await performFunction(fn, context);
  };
}
