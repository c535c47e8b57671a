import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { PassThroughProcessor } from './pass-through-processor';

/**
 * Counts the sampled spans that end, then hands them on. Whatever ended but was neither exported,
 * lost in a failed export nor dropped for a full queue was still queued (or on its way) when the
 * shutdown's flush deadline passed: that is how the `stopped` line can say what the cut cost.
 */
export class CountingSpanProcessor extends PassThroughProcessor<SpanProcessor> implements SpanProcessor {
  private ended = 0;

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.ended++;
    this.inner.onEnd(span);
  }

  /** Sampled spans that ended so far (each one is meant for export). */
  endedSpans(): number {
    return this.ended;
  }
}
