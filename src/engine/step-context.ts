import type { Tracer } from '@opentelemetry/api';
import type { Action } from './model';
import type { Caller, Clock, RequestSignal, StepLogger, StepMeter } from './ports';
import type { Random } from '../probability';
import type { Incident } from './incident';

/** Everything a step needs while it runs, for one request. */
export interface StepContext {
  readonly tracer: Tracer;
  readonly caller: Caller;
  readonly random: Random;
  readonly clock: Clock;
  readonly log: StepLogger;
  /** Unset where nothing is measured (tests that build a context by hand). */
  readonly meter?: StepMeter;
  /** Aborted when the caller cancels or the request's deadline passes. */
  readonly signal: RequestSignal;
  /** Absolute deadline (epoch ms) of the incoming request, if it had one. */
  readonly deadline?: number;
  /** Thespian hops so far (0 when called by a client that is not a Thespian). */
  readonly hops: number;
  /** The incidents active for this request's method now (read as a step begins); unset where there are none to have. */
  readonly incidents?: () => readonly Incident[];
  /** The tracing names from the method down to the current step, for messages a user can follow. */
  readonly trail: readonly string[];
  /** Performs a nested action (Functions use it); given here to avoid an import cycle. */
  performAction(action: Action, context: StepContext): Promise<void>;
}

/** The context for a step one level further down. */
export function descend(context: StepContext, name: string): StepContext {
  return { ...context, trail: [...context.trail, name] };
}
