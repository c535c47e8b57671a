import { plainAttributes } from './otlp-values';
import type { ReceivedEvent, ReceivedSpan } from './received-span';
import { rfc3339Nanos } from './rfc3339-nanos';

/**
 * One received span as a line of JSON, for `thespian up --json`: a flat, stable shape for jq
 * and scripts. Times are RFC 3339 UTC with nanoseconds (exact, sortable as text), plus the
 * duration in milliseconds for convenience. Bytes values become hex strings.
 */
export function spanJsonLine(span: ReceivedSpan): string {
  return JSON.stringify({
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    service: span.service,
    name: span.name,
    kind: span.kind,
    start: rfc3339Nanos(span.startTimeUnixNano),
    end: rfc3339Nanos(span.endTimeUnixNano),
    duration_ms: span.durationMs,
    status: span.status,
    attributes: plainAttributes(span.attributes),
    events: span.events.map(plainEvent),
  });
}

function plainEvent(event: ReceivedEvent): Record<string, unknown> {
  return { name: event.name, time: rfc3339Nanos(event.timeUnixNano), attributes: plainAttributes(event.attributes) };
}
