import type { z } from 'zod';
import type { PredictContext, StepPrediction } from './predict-context';
import type { Action } from './model';
import type { StepContext } from './step-context';

/**
 * One kind of action (Sleep, CallService, Function...): how it is written in a config, how it
 * is performed and what it is expected to do. Adding a kind means one new file in actions/ and
 * one line in actions/registry.ts:
 * - `perform` does the step, inside inStepSpan when it has a span of its own (the span, its
 *   start line and its failure line come with it), and throws StepFailure to fail;
 * - `predict` gives its outcome and, when it makes a span, a SpanShape whose `lines` are
 *   stepSpanLines(failsHere), `attempt` when it makes attempts (written with
 *   actions/attempt-events), and log lines that are also span events go through actions/log-event;
 *   verify reads traces through these alone, never by kind name;
 * - `children` when it holds other actions.
 * Then its `## Tag` section in docs/config-reference.md and a sample in SAMPLES of
 * test/engine/action-kinds.test.ts, which then says what is missing or untrue: the JSON Schema,
 * the docs, the prediction against the engine, verify's reading of its spans, lines, failures
 * and attempts, and the walk through children.
 */
export interface ActionKind<Spec> {
  /** The key that names this kind in CONFIG_JSON, e.g. "Sleep". */
  readonly tag: string;
  /** Validates the value under the tag and turns it into this kind's spec. */
  readonly schema: z.ZodType<Spec>;
  /** Does the action. Throws StepFailure when it fails. */
  perform(spec: Spec, context: StepContext): Promise<void>;
  /**
   * What `perform` is expected to do, without doing it: the spans it makes and every way it can
   * end (status, probability, duration, spans and log lines). `thespian predict` and `verify`
   * use it; it must tell the truth about `perform`, which the predict tests check by running both.
   */
  predict(spec: Spec, context: PredictContext): StepPrediction;
  /**
   * For a kind that holds other actions (a Function): those actions, in config order, so that a
   * walk over a behaviour (the nesting limit) need not know the kind. Absent: it holds none.
   */
  children?(spec: Spec): readonly Action[];
}

/** Lets the registry hold kinds with different spec types in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActionKind = ActionKind<any>;
