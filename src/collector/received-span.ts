import type { SpanKindName } from '../common';

/**
 * One span as the embedded collector received it, flattened out of the OTLP request's
 * resource → scope → span nesting so that tests and the terminal view can filter a plain list.
 */

/**
 * An attribute value. OTLP int64 values become JS numbers: Thespian's own attributes (counts,
 * durations in ms, status codes) are far below 2^53, and plain numbers compare and print
 * naturally in tests; a value beyond 2^53 would lose precision, which we accept.
 * OTLP's "empty" AnyValue (what the SDK sends for null) has no member here and becomes ''.
 */
export type AttrValue = string | number | boolean | Buffer | AttrValue[] | { [key: string]: AttrValue };

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

// The shapes @grpc/proto-loader produces for proto/otlp with the options in
// otlp-trace-receiver.ts: camelCase names, int64/fixed64 as decimal strings, enums as names,
// bytes as Buffer, absent fields undefined. Only what decoding reads is declared.
interface ProtoAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: ProtoAnyValue[] };
  kvlistValue?: { values?: ProtoKeyValue[] };
  bytesValue?: Buffer;
  /** Set by the `oneofs` option: which member of the oneof is present. */
  value?: string;
}

interface ProtoKeyValue {
  key?: string;
  value?: ProtoAnyValue;
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
    resource?: { attributes?: ProtoKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: ProtoSpan[] }[];
  }[];
}

const NS_PER_MS = 1_000_000n;

/** Flattens one Export request into spans, in the order they appear in it. */
export function decodeExportRequest(request: ProtoExportTraceServiceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = toAttributes(resourceSpans.resource?.attributes);
    const serviceName = resource['service.name'];
    const service = typeof serviceName === 'string' ? serviceName : '';
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

function toAttributes(keyValues: ProtoKeyValue[] | undefined): Record<string, AttrValue> {
  const attributes: Record<string, AttrValue> = {};
  for (const { key, value } of keyValues ?? []) attributes[key ?? ''] = toAttrValue(value);
  return attributes;
}

function toAttrValue(value: ProtoAnyValue | undefined): AttrValue {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue':
      return Number(value.intValue ?? 0);
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'bytesValue':
      return value.bytesValue ?? Buffer.alloc(0);
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(toAttrValue);
    case 'kvlistValue':
      return toAttributes(value.kvlistValue?.values);
    default:
      return '';
  }
}

function toHex(id: Buffer | undefined): string {
  return id ? Buffer.from(id).toString('hex') : '';
}

function toBigInt(decimal: string | undefined): bigint {
  return decimal ? BigInt(decimal) : 0n;
}

// Split before converting so that epoch nanoseconds (about 2^60) keep their sub-millisecond part.
function nanosToMs(nanos: bigint): number {
  return Number(nanos / NS_PER_MS) + Number(nanos % NS_PER_MS) / 1e6;
}

// An enum number this proto does not know arrives as a number, not a name: use the fallback.
function stripPrefix(name: unknown, prefix: string, fallback: string): string {
  return typeof name === 'string' && name.startsWith(prefix) ? name.slice(prefix.length) : fallback;
}
