import type { ReceivedSpan } from '../collector';
import type { ObservedSpan } from '../verify';

/**
 * A span as the embedded receiver decoded it, in the form verify holds against a prediction, so
 * that `thespian up` and `thespian verify` judge a trace's spans by one and the same check.
 */
export function observedOfReceived(span: ReceivedSpan): ObservedSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    name: span.name,
    kind: span.kind,
    error: span.status.code === 'ERROR',
    statusMessage: span.status.message,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    startMs: span.startMs,
  };
}
