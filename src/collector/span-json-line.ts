import type { AttrValue, ReceivedEvent, ReceivedSpan } from './received-span';

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

function plainAttributes(attributes: Record<string, AttrValue>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) plain[key] = plainValue(value);
  return plain;
}

function plainValue(value: AttrValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === 'object' && value !== null) return plainAttributes(value as Record<string, AttrValue>);
  return value;
}

/** 1700000000123456789n → "2023-11-14T22:13:20.123456789Z". */
function rfc3339Nanos(unixNanos: bigint): string {
  const seconds = unixNanos / 1_000_000_000n;
  const nanos = unixNanos % 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${nanos.toString().padStart(9, '0')}Z`;
}
