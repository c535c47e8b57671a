import type { Action } from './model';
import type { CallTarget } from './ports';
import type { Incident } from './incident';
import type { Random, Outcome, SpanShape } from '../probability';

/** What one step is expected to do: its spans (none for a Log) and every way it can end. */
export interface StepPrediction {
  readonly shape?: SpanShape;
  readonly outcome: Outcome;
}

/** What a call's callee is expected to do: its SERVER span and below, and every way it answers. */
export interface CalleePrediction {
  /** Undefined when the callee is outside what is predicted (an address no known service has). */
  readonly shape?: SpanShape;
  readonly outcome: Outcome;
  /** "payments/A", or the address of an outside callee. */
  readonly name: string;
}

/**
 * What a note to the user is: `estimate` for a figure that is not exact (and why), `assumption`
 * for something the prediction takes for granted.
 */
export type NoteCategory = 'estimate' | 'assumption';

/**
 * Everything an action kind's `predict` gets (the counterpart of StepContext for `perform`):
 * the service it runs in, the incidents in effect there, a way to predict nested actions and called methods, a seeded random
 * source for the rare estimates that need sampling, and a place for notes the user should read.
 */
export interface PredictContext {
  readonly service: string;
  /**
   * The incidents taken to be in effect for the method being predicted, in injection order (as
   * StepContext's for perform); unset when the prediction is of the baseline.
   */
  readonly incidents?: () => readonly Incident[];
  /** Predicts a nested action (Functions use it); given here to avoid an import cycle. */
  predictAction(action: Action): StepPrediction;
  /** Predicts what the callee of a call does; throws PredictError on a call cycle. */
  predictCall(target: CallTarget): CalleePrediction;
  /** Seeded, for Monte Carlo estimates. */
  readonly random: Random;
  /** How many draws a Monte Carlo estimate takes. */
  readonly samples: number;
  /** A sentence for the user, of the category it names. */
  note(category: NoteCategory, text: string): void;
}
