import type { AttrValue, ReceivedSpan } from './received-span';

/**
 * Spans in the JSON that Tempo's trace-by-id API answers (`GET /api/traces/<id>`): OTLP's JSON
 * mapping grouped in `batches` (resource → scopeSpans → spans), ids base64 as protobuf JSON
 * writes bytes, times in nanoseconds as strings, enums by name. Grafana's Tempo data source and
 * `thespian verify --tempo` read it.
 */
export function tempoTraceJson(spans: readonly ReceivedSpan[]): { batches: unknown[] } {
  const byResource = new Map<string, { resource: ReceivedSpan['resource']; scopes: Map<string, ReceivedSpan[]> }>();
  for (const span of spans) {
    const key = JSON.stringify(plain(span.resource));
    let entry = byResource.get(key);
    if (!entry) byResource.set(key, (entry = { resource: span.resource, scopes: new Map() }));
    const scope = entry.scopes.get(span.scope);
    if (scope) scope.push(span);
    else entry.scopes.set(span.scope, [span]);
  }
  return {
    batches: [...byResource.values()].map(({ resource, scopes }) => ({
      resource: { attributes: keyValues(resource) },
      scopeSpans: [...scopes].map(([name, scopeSpans]) => ({ scope: { name }, spans: scopeSpans.map(spanJson) })),
    })),
  };
}

function spanJson(span: ReceivedSpan): Record<string, unknown> {
  return {
    traceId: base64(span.traceId),
    spanId: base64(span.spanId),
    ...(span.parentSpanId ? { parentSpanId: base64(span.parentSpanId) } : {}),
    name: span.name,
    kind: `SPAN_KIND_${span.kind}`,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: keyValues(span.attributes),
    events: span.events.map((event) => ({ timeUnixNano: event.timeUnixNano.toString(), name: event.name, attributes: keyValues(event.attributes) })),
    status: { code: `STATUS_CODE_${span.status.code}`, ...(span.status.message ? { message: span.status.message } : {}) },
  };
}

function keyValues(attributes: Record<string, AttrValue>): { key: string; value: unknown }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(value: AttrValue): Record<string, unknown> {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Buffer.isBuffer(value)) return { bytesValue: value.toString('base64') };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: keyValues(value) } };
}

function base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function plain(attributes: Record<string, AttrValue>): unknown {
  return Object.entries(attributes).map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('hex') : value]);
}
