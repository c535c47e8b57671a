import type { ReceivedSpan } from './received-span';

/**
 * Received spans by trace id, for looking traces up after the fact (the query API of `thespian
 * up`). Bounded by the number of spans kept: past it, whole traces go, oldest first, so a long
 * run keeps its most recent history rather than growing without end.
 */
export class TraceStore {
  private readonly traces = new Map<string, ReceivedSpan[]>();
  private kept = 0;
  private droppedTraces = 0;

  constructor(private readonly maxSpans: number) {}

  add(spans: readonly ReceivedSpan[]): void {
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) this.traces.set(span.traceId, (trace = []));
      trace.push(span);
      this.kept++;
    }
    while (this.kept > this.maxSpans && this.traces.size > 0) {
      const [oldest, spansOfOldest] = this.traces.entries().next().value!;
      this.traces.delete(oldest);
      this.kept -= spansOfOldest.length;
      this.droppedTraces++;
    }
  }

  /** The spans of a trace (any case of hex id), or undefined when none arrived or it was dropped. */
  trace(traceId: string): readonly ReceivedSpan[] | undefined {
    return this.traces.get(traceId.toLowerCase());
  }

  get spans(): number {
    return this.kept;
  }

  /** Traces forgotten to stay within the bound. */
  get dropped(): number {
    return this.droppedTraces;
  }
}
