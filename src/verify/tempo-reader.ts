import { asJsonArray, isJsonObject, traceByIdSource, type JsonObject } from './http-json';
import { SPAN_KIND_NAMES, type SpanKindName } from '../common';
import { BackendError, normaliseId, type ObservedSpan, type TraceSource } from './observed-span';

/**
 * Reads traces from Tempo's trace-by-id API, `GET {url}/api/traces/<id>`, which answers OTLP's
 * JSON mapping: `batches` (or `resourceSpans`, or `trace.resourceSpans` from /api/v2) of
 * resource → `scopeSpans` (`instrumentationLibrarySpans` from older Tempo) → spans, with ids in
 * base64 (protobuf JSON) or hex, enums by name or number. `thespian up --query-port` serves it too.
 */
export function tempoSource(url: string): TraceSource {
  return traceByIdSource('Tempo', url, readTempoTrace);
}

/** OTLP's JSON mapping (Tempo's answer, or an OTLP JSON file) as spans; `thespian import` reads files with it. */
export function readTempoTrace(body: unknown): ObservedSpan[] {
  if (!isJsonObject(body)) throw new BackendError('Tempo answered JSON that is not an object');
  const trace = isJsonObject(body.trace) ? body.trace : body;
  const batches = asJsonArray(trace.batches ?? trace.resourceSpans);
  const spans: ObservedSpan[] = [];
  for (const batch of batches) {
    if (!isJsonObject(batch)) continue;
    const resource = attributesOf(isJsonObject(batch.resource) ? batch.resource.attributes : undefined);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
    for (const scope of asJsonArray(batch.scopeSpans ?? batch.instrumentationLibrarySpans)) {
      if (!isJsonObject(scope)) continue;
      for (const span of asJsonArray(scope.spans)) if (isJsonObject(span)) spans.push(readSpan(span, service));
    }
  }
  return spans;
}

function readSpan(span: JsonObject, service: string): ObservedSpan {
  const status = isJsonObject(span.status) ? span.status : {};
  return {
    traceId: normaliseId(span.traceId, 16),
    spanId: normaliseId(span.spanId, 8),
    parentSpanId: normaliseId(span.parentSpanId, 8),
    service,
    name: typeof span.name === 'string' ? span.name : '',
    kind: spanKindOf(span.kind),
    error: status.code === 'STATUS_CODE_ERROR' || status.code === 2 || status.code === 'ERROR',
    statusMessage: typeof status.message === 'string' ? status.message : '',
    attributes: attributesOf(span.attributes),
    events: asJsonArray(span.events).filter(isJsonObject).map((event) => ({ name: typeof event.name === 'string' ? event.name : '', attributes: attributesOf(event.attributes) })),
    startMs: Number(span.startTimeUnixNano ?? 0) / 1e6,
    durationMs: (Number(span.endTimeUnixNano ?? 0) - Number(span.startTimeUnixNano ?? 0)) / 1e6,
  };
}

function spanKindOf(value: unknown): SpanKindName {
  if (typeof value === 'number') return SPAN_KIND_NAMES[value] ?? 'UNSPECIFIED';
  if (typeof value === 'string') {
    const name = value.replace(/^SPAN_KIND_/, '').toUpperCase();
    if ((SPAN_KIND_NAMES as readonly string[]).includes(name)) return name as SpanKindName;
  }
  return 'UNSPECIFIED';
}

function attributesOf(list: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of asJsonArray(list)) if (isJsonObject(entry) && typeof entry.key === 'string') attributes[entry.key] = anyValue(entry.value);
  return attributes;
}

function anyValue(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if (isJsonObject(value.arrayValue)) return asJsonArray(value.arrayValue.values).map(anyValue);
  if (isJsonObject(value.kvlistValue)) return attributesOf(value.kvlistValue.values);
  return undefined;
}
