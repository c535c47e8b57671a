import { asJsonArray, isJsonObject, traceByIdSource, type JsonObject } from './http-json';
import type { SpanKindName } from '../common';
import { BackendError, normaliseId, type ObservedSpan, type TraceSource } from './observed-span';

/**
 * Reads traces from Jaeger's query API, `GET {url}/api/traces/<id>`: `data[0]` holds `spans`
 * (hex `traceID`/`spanID`, `operationName`, `references` of type CHILD_OF, microsecond
 * `startTime`, `tags` and `logs`) and `processes` (each with its `serviceName`). Jaeger keeps the
 * span kind in the `span.kind` tag, the status in `otel.status_code` (or `error`), and events as
 * logs whose `event` field is the name.
 */
export function jaegerSource(url: string): TraceSource {
  return traceByIdSource('Jaeger', url, readJaegerTrace);
}

/** Jaeger's JSON (the query API's answer, or the UI's download of it) as spans; `thespian import` reads files with it. */
export function readJaegerTrace(body: unknown): ObservedSpan[] {
  if (!isJsonObject(body)) throw new BackendError('Jaeger answered JSON that is not an object');
  const traces = asJsonArray(body.data);
  const spans: ObservedSpan[] = [];
  for (const trace of traces) {
    if (!isJsonObject(trace)) continue;
    const processes = isJsonObject(trace.processes) ? trace.processes : {};
    for (const span of asJsonArray(trace.spans)) {
      if (!isJsonObject(span)) continue;
      const process = isJsonObject(span.process) ? span.process : isJsonObject(processes[String(span.processID)]) ? (processes[String(span.processID)] as JsonObject) : {};
      const tags = tagsOf(span.tags);
      const parent = Array.isArray(span.references)
        ? span.references.find((reference): reference is JsonObject => isJsonObject(reference) && reference.refType === 'CHILD_OF')
        : undefined;
      const status = String(tags['otel.status_code'] ?? '').toUpperCase();
      spans.push({
        traceId: normaliseId(span.traceID, 16),
        spanId: normaliseId(span.spanID, 8),
        parentSpanId: normaliseId(parent?.spanID ?? span.parentSpanID, 8),
        service: typeof process.serviceName === 'string' ? process.serviceName : '',
        name: typeof span.operationName === 'string' ? span.operationName : '',
        kind: spanKindOf(tags['span.kind']),
        error: status === 'ERROR' || tags.error === true || tags.error === 'true',
        statusMessage: typeof tags['otel.status_description'] === 'string' ? tags['otel.status_description'] : '',
        attributes: tags,
        events: asJsonArray(span.logs).filter(isJsonObject).map((log) => {
          const fields = tagsOf(log.fields);
          const { event, ...rest } = fields;
          return { name: typeof event === 'string' ? event : '', attributes: rest };
        }),
        startMs: Number(span.startTime ?? 0) / 1000,
        durationMs: Number(span.duration ?? 0) / 1000,
      });
    }
  }
  return spans;
}

function spanKindOf(value: unknown): SpanKindName {
  const name = typeof value === 'string' ? value.toUpperCase() : '';
  return (['SERVER', 'CLIENT', 'INTERNAL', 'PRODUCER', 'CONSUMER'] as const).find((kind) => kind === name) ?? 'INTERNAL';
}

function tagsOf(list: unknown): Record<string, unknown> {
  const tags: Record<string, unknown> = {};
  for (const tag of asJsonArray(list)) {
    if (!isJsonObject(tag) || typeof tag.key !== 'string') continue;
    tags[tag.key] = tag.type === 'int64' || tag.type === 'float64' ? Number(tag.value) : tag.type === 'bool' ? tag.value === true || tag.value === 'true' : tag.value;
  }
  return tags;
}
