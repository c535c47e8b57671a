/**
 * The spans one request makes, as a tree: what `predict` draws and what `verify` holds a trace
 * against. Generic on purpose, so that a new action kind describes its spans in these terms and
 * neither the drawing nor the checking needs to know the kind.
 */
type PredictedSpanKind = 'SERVER' | 'CLIENT' | 'INTERNAL';

export interface SpanShape {
  readonly service: string;
  readonly name: string;
  readonly kind: PredictedSpanKind;
  /** The step kind (Function, Sleep, CallService...) for step spans; undefined for the gRPC spans. */
  readonly step?: string;
  /** What the step does, in a few words, for the drawing ("5 ms", "Uniform(min_ms=1, max_ms=9)"). */
  readonly detail?: string;
  /** Probability that this span ends in error (this step or anything below it failed). */
  readonly pFail: number;
  /**
   * Child spans, in groups run one after another; the spans of one group run together. A failed
   * group stops the ones after it (a Function's operations).
   */
  readonly groups: readonly (readonly SpanShape[])[];
  /** For a call: each attempt that is sent makes one of these (a CLIENT span and what is under it). */
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
