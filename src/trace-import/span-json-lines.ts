import type { SpanKindName } from '../common';
import { SPAN_KIND_NAMES } from '../common';
import type { TraceSpan } from './trace-span';

type JsonObject = Record<string, unknown>;

/** True for a line of `thespian up --json` that is a span (the other lines carry a `type`). */
export function isSpanLine(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && typeof (value as JsonObject).trace_id === 'string' && typeof (value as JsonObject).span_id === 'string';
}

/**
 * One span line of `thespian up --json` (collector/span-json-line.ts writes them) as a span. Its
 * start is RFC 3339 with nanoseconds, which Date.parse would cut to milliseconds.
 */
export function spanOfJsonLine(line: JsonObject): TraceSpan {
  const status = typeof line.status === 'object' && line.status !== null ? (line.status as JsonObject) : {};
  const kind = String(line.kind ?? '').toUpperCase();
  return {
    traceId: String(line.trace_id).toLowerCase(),
    spanId: String(line.span_id).toLowerCase(),
    parentSpanId: typeof line.parent_span_id === 'string' ? line.parent_span_id.toLowerCase() : '',
    service: typeof line.service === 'string' ? line.service : '',
    name: typeof line.name === 'string' ? line.name : '',
    kind: (SPAN_KIND_NAMES as readonly string[]).includes(kind) ? (kind as SpanKindName) : 'INTERNAL',
    error: status.code === 'ERROR',
    statusMessage: typeof status.message === 'string' ? status.message : '',
    attributes: typeof line.attributes === 'object' && line.attributes !== null ? (line.attributes as JsonObject) : {},
    events: [],
    startMs: rfc3339Ms(line.start),
    durationMs: Number(line.duration_ms ?? 0),
  };
}

function rfc3339Ms(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!match) return Date.parse(value) || 0;
  return Date.parse(`${match[1]}${match[3]}`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}
