import { getJson, joinUrl } from './http-json';
import { BackendError, normaliseId, type ObservedKind, type ObservedSpan, type TraceSource } from './observed-span';

/**
 * Reads traces from Tempo's trace-by-id API, `GET {url}/api/traces/<id>`, which answers OTLP's
 * JSON mapping: `batches` (or `resourceSpans`, or `trace.resourceSpans` from /api/v2) of
 * resource → `scopeSpans` (`instrumentationLibrarySpans` from older Tempo) → spans, with ids in
 * base64 (protobuf JSON) or hex, enums by name or number. `thespian up --query-port` serves it too.
 */
export function tempoSource(url: string): TraceSource {
  return {
    description: `Tempo ${url}`,
    async fetch(traceId) {
      const body = await getJson(joinUrl(url, `/api/traces/${traceId}`));
      if (body === undefined) return undefined;
      const spans = readTempoTrace(body);
      return spans.length === 0 ? undefined : spans;
    },
  };
}

type Json = Record<string, unknown>;

export function readTempoTrace(body: unknown): ObservedSpan[] {
  if (!isObject(body)) throw new BackendError('Tempo answered JSON that is not an object');
  const trace = isObject(body.trace) ? body.trace : body;
  const batches = asArray(trace.batches ?? trace.resourceSpans);
  const spans: ObservedSpan[] = [];
  for (const batch of batches) {
    if (!isObject(batch)) continue;
    const resource = attributesOf(isObject(batch.resource) ? batch.resource.attributes : undefined);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
    for (const scope of asArray(batch.scopeSpans ?? batch.instrumentationLibrarySpans)) {
      if (!isObject(scope)) continue;
      for (const span of asArray(scope.spans)) if (isObject(span)) spans.push(readSpan(span, service));
    }
  }
  return spans;
}

function readSpan(span: Json, service: string): ObservedSpan {
  const status = isObject(span.status) ? span.status : {};
  return {
    traceId: normaliseId(span.traceId, 16),
    spanId: normaliseId(span.spanId, 8),
    parentSpanId: normaliseId(span.parentSpanId, 8),
    service,
    name: typeof span.name === 'string' ? span.name : '',
    kind: kindOf(span.kind),
    error: status.code === 'STATUS_CODE_ERROR' || status.code === 2 || status.code === 'ERROR',
    statusMessage: typeof status.message === 'string' ? status.message : '',
    attributes: attributesOf(span.attributes),
    events: asArray(span.events).filter(isObject).map((event) => ({ name: typeof event.name === 'string' ? event.name : '', attributes: attributesOf(event.attributes) })),
    startMs: Number(span.startTimeUnixNano ?? 0) / 1e6,
  };
}

const KIND_NUMBERS: ObservedKind[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

function kindOf(value: unknown): ObservedKind {
  if (typeof value === 'number') return KIND_NUMBERS[value] ?? 'UNSPECIFIED';
  if (typeof value === 'string') {
    const name = value.replace(/^SPAN_KIND_/, '').toUpperCase();
    if ((KIND_NUMBERS as string[]).includes(name)) return name as ObservedKind;
  }
  return 'UNSPECIFIED';
}

function attributesOf(list: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of asArray(list)) if (isObject(entry) && typeof entry.key === 'string') attributes[entry.key] = anyValue(entry.value);
  return attributes;
}

function anyValue(value: unknown): unknown {
  if (!isObject(value)) return value;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if (isObject(value.arrayValue)) return asArray(value.arrayValue.values).map(anyValue);
  if (isObject(value.kvlistValue)) return attributesOf(value.kvlistValue.values);
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
