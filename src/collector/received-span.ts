import type { SpanKindName } from '../common';
import { decodeResource, nanosToMs, stripPrefix, toAttributes, toBigInt, toHex, type AttrValue, type ProtoKeyValue, type ProtoResource } from './otlp-values';

/**
 * One span as the embedded collector received it, flattened out of the OTLP request's
 * resource → scope → span nesting so that tests and the terminal view can filter a plain list.
 */

export type { AttrValue } from './otlp-values';

type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

export interface ReceivedEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Record<string, AttrValue>;
}

interface ReceivedLink {
  traceId: string;
  spanId: string;
}

export interface ReceivedSpan {
  /** Lower-case hex, 32 characters. */
  traceId: string;
  /** Lower-case hex, 16 characters. */
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  /** The resource attribute service.name, '' if absent. */
  service: string;
  resource: Record<string, AttrValue>;
  /** Name of the instrumentation scope (the tracer's name). */
  scope: string;
  name: string;
  kind: SpanKindName;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** Start as epoch milliseconds, with sub-millisecond precision kept as a fraction. */
  startMs: number;
  /** End minus start in milliseconds, with nanosecond precision kept as a fraction. */
  durationMs: number;
  status: { code: StatusCodeName; message: string };
  attributes: Record<string, AttrValue>;
  events: ReceivedEvent[];
  links: ReceivedLink[];
}

interface ProtoSpan {
  traceId?: Buffer;
  spanId?: Buffer;
  parentSpanId?: Buffer;
  name?: string;
  kind?: string | number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: ProtoKeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: ProtoKeyValue[] }[];
  links?: { traceId?: Buffer; spanId?: Buffer }[];
  status?: { message?: string; code?: string | number };
}

export interface ProtoExportTraceServiceRequest {
  resourceSpans?: {
    resource?: ProtoResource;
    scopeSpans?: { scope?: { name?: string }; spans?: ProtoSpan[] }[];
  }[];
}

/** Flattens one Export request into spans, in the order they appear in it. */
export function decodeExportRequest(request: ProtoExportTraceServiceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const { resource, service } = decodeResource(resourceSpans.resource);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = scopeSpans.scope?.name ?? '';
      for (const span of scopeSpans.spans ?? []) spans.push(decodeSpan(span, service, resource, scope));
    }
  }
  return spans;
}

function decodeSpan(span: ProtoSpan, service: string, resource: Record<string, AttrValue>, scope: string): ReceivedSpan {
  const start = toBigInt(span.startTimeUnixNano);
  const end = toBigInt(span.endTimeUnixNano);
  return {
    traceId: toHex(span.traceId),
    spanId: toHex(span.spanId),
    parentSpanId: toHex(span.parentSpanId),
    service,
    resource,
    scope,
    name: span.name ?? '',
    kind: stripPrefix(span.kind, 'SPAN_KIND_', 'UNSPECIFIED') as SpanKindName,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    startMs: nanosToMs(start),
    durationMs: nanosToMs(end - start),
    status: {
      code: stripPrefix(span.status?.code, 'STATUS_CODE_', 'UNSET') as StatusCodeName,
      message: span.status?.message ?? '',
    },
    attributes: toAttributes(span.attributes),
    events: (span.events ?? []).map((event) => ({
      name: event.name ?? '',
      timeUnixNano: toBigInt(event.timeUnixNano),
      attributes: toAttributes(event.attributes),
    })),
    links: (span.links ?? []).map((link) => ({ traceId: toHex(link.traceId), spanId: toHex(link.spanId) })),
  };
}
