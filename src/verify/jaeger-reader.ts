import { getJson, joinUrl } from './http-json';
import { BackendError, normaliseId, type ObservedKind, type ObservedSpan, type TraceSource } from './observed-span';

/**
 * Reads traces from Jaeger's query API, `GET {url}/api/traces/<id>`: `data[0]` holds `spans`
 * (hex `traceID`/`spanID`, `operationName`, `references` of type CHILD_OF, microsecond
 * `startTime`, `tags` and `logs`) and `processes` (each with its `serviceName`). Jaeger keeps the
 * span kind in the `span.kind` tag, the status in `otel.status_code` (or `error`), and events as
 * logs whose `event` field is the name.
 */
export function jaegerSource(url: string): TraceSource {
  return {
    description: `Jaeger ${url}`,
    async fetch(traceId) {
      const body = await getJson(joinUrl(url, `/api/traces/${traceId}`));
      if (body === undefined) return undefined;
      const spans = readJaegerTrace(body);
      return spans.length === 0 ? undefined : spans;
    },
  };
}

type Json = Record<string, unknown>;

export function readJaegerTrace(body: unknown): ObservedSpan[] {
  if (!isObject(body)) throw new BackendError('Jaeger answered JSON that is not an object');
  const traces = Array.isArray(body.data) ? body.data : [];
  const spans: ObservedSpan[] = [];
  for (const trace of traces) {
    if (!isObject(trace)) continue;
    const processes = isObject(trace.processes) ? trace.processes : {};
    for (const span of Array.isArray(trace.spans) ? trace.spans : []) {
      if (!isObject(span)) continue;
      const process = isObject(span.process) ? span.process : isObject(processes[String(span.processID)]) ? (processes[String(span.processID)] as Json) : {};
      const tags = tagsOf(span.tags);
      const parent = Array.isArray(span.references)
        ? span.references.find((reference): reference is Json => isObject(reference) && reference.refType === 'CHILD_OF')
        : undefined;
      const status = String(tags['otel.status_code'] ?? '').toUpperCase();
      spans.push({
        traceId: normaliseId(span.traceID, 16),
        spanId: normaliseId(span.spanID, 8),
        parentSpanId: normaliseId(parent?.spanID ?? span.parentSpanID, 8),
        service: typeof process.serviceName === 'string' ? process.serviceName : '',
        name: typeof span.operationName === 'string' ? span.operationName : '',
        kind: kindOf(tags['span.kind']),
        error: status === 'ERROR' || tags.error === true || tags.error === 'true',
        statusMessage: typeof tags['otel.status_description'] === 'string' ? tags['otel.status_description'] : '',
        attributes: tags,
        events: (Array.isArray(span.logs) ? span.logs : []).filter(isObject).map((log) => {
          const fields = tagsOf(log.fields);
          const { event, ...rest } = fields;
          return { name: typeof event === 'string' ? event : '', attributes: rest };
        }),
        startMs: Number(span.startTime ?? 0) / 1000,
      });
    }
  }
  return spans;
}

function kindOf(value: unknown): ObservedKind {
  const name = typeof value === 'string' ? value.toUpperCase() : '';
  return (['SERVER', 'CLIENT', 'INTERNAL', 'PRODUCER', 'CONSUMER'] as const).find((kind) => kind === name) ?? 'INTERNAL';
}

function tagsOf(list: unknown): Record<string, unknown> {
  const tags: Record<string, unknown> = {};
  for (const tag of Array.isArray(list) ? list : []) {
    if (!isObject(tag) || typeof tag.key !== 'string') continue;
    tags[tag.key] = tag.type === 'int64' || tag.type === 'float64' ? Number(tag.value) : tag.type === 'bool' ? tag.value === true || tag.value === 'true' : tag.value;
  }
  return tags;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
