/**
 * The spans one request makes, as a tree: what `predict` draws and what `verify` holds a trace
 * against. Generic on purpose, so that a new action kind describes its spans in these terms and
 * neither the drawing nor the checking needs to know the kind.
 */
import type { LineLevel, SpanKindName } from '../common';

/** The span kinds a prediction draws: the SERVER and CLIENT spans of gRPC, INTERNAL for steps. */
type PredictedSpanKind = Extract<SpanKindName, 'SERVER' | 'CLIENT' | 'INTERNAL'>;

/**
 * The log lines a step's own span stands for (not those of the spans below it), so that a reader
 * of the trace can count the lines the request wrote. Lines that are also events on a span (a
 * Log's) are told by the event itself (engine/actions/log-event), wherever they land.
 */
export interface StepLines {
  /** Logged as the step starts. */
  readonly start: LineLevel;
  /** Logged once where a failure began: the span then carries an exception event. */
  readonly failure: LineLevel;
  /**
   * True when every failure of this span begins at it, never below it (a Sleep's roll, a call's
   * last attempt): a span known to have failed logged `failure` even if the span itself is lost.
   */
  readonly failsHere: boolean;
}

export interface SpanShape {
  readonly service: string;
  readonly name: string;
  readonly kind: PredictedSpanKind;
  /** The step kind (Function, Sleep, CallService...) for step spans, for the drawing; checks go by `lines` and `attempt`, not by it. */
  readonly step?: string;
  /** What the step does, in a few words, for the drawing ("5 ms", "Uniform(min_ms=1, max_ms=9)"). */
  readonly detail?: string;
  /** Probability that this span ends in error (this step or anything below it failed). */
  readonly pFail: number;
  /** For step spans: the lines the step logs itself. Undefined for the gRPC spans, which log nothing. */
  readonly lines?: StepLines;
  /**
   * Child spans, in groups run one after another; the spans of one group run together. A failed
   * group stops the ones after it (a Function's operations).
   */
  readonly groups: readonly (readonly SpanShape[])[];
  /**
   * For a call: each attempt that is sent makes one of these (a CLIENT span and what is under it).
   * `retries` true: attempts may be repeated, and each one is recorded on this span as an attempt
   * event; false: one attempt, whose sending the span's own marks tell (engine/actions/attempt-events).
   */
  readonly attempt?: { readonly maxAttempts: number; readonly retries: boolean; readonly shape: SpanShape };
  /** A call to something outside what is predicted: nothing is known below its CLIENT span. */
  readonly external?: string;
}

/** "frontend SERVER grpc.thespian.Thespian/A": spans are matched by service, kind and name. */
export function spanKey(span: { readonly service: string; readonly kind: string; readonly name: string }): string {
  return `${span.service} ${span.kind} ${span.name}`;
}

/** The spans of a fully successful request where every call succeeds at its first attempt. */
export function successSpans(shape: SpanShape): SpanShape[] {
  const found: SpanShape[] = [shape];
  for (const group of shape.groups) for (const child of group) found.push(...successSpans(child));
  if (shape.attempt) found.push(...successSpans(shape.attempt.shape));
  return found;
}

/** True when a call leaves the predicted world somewhere below: the success count is then a lower bound. */
export function reachesOutside(shape: SpanShape): boolean {
  if (shape.external !== undefined) return true;
  if (shape.attempt && reachesOutside(shape.attempt.shape)) return true;
  return shape.groups.some((group) => group.some(reachesOutside));
}
