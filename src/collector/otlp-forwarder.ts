import type { HrTime, Link, SpanContext, Attributes, AttributeValue as OtelAttributeValue } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { AttrValue, ReceivedSpan } from './received-span';

export interface OtlpForwarder {
  /** Queues spans for the backend; never blocks, never throws. */
  forward(spans: readonly ReceivedSpan[]): void;
  /** Sends what is queued, waiting at most `deadlineMs`. */
  shutdown(deadlineMs: number): Promise<void>;
}

/**
 * Sends the spans the embedded receiver got on to a real OTLP/gRPC backend (`thespian up --otlp`).
 * The services keep one exporter each (to the embedded receiver), and this process re-exports
 * through the SDK's own BatchSpanProcessor and OTLP exporter, so batching, retries and limits are
 * the SDK's, and a dead backend costs forwarded spans, never the local view.
 *
 * The SDK is required here, not imported at the top, so importing collector/ stays light.
 */
export function startOtlpForwarder(url: string): OtlpForwarder {
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const processor: SpanProcessor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url }),
    maxQueueSize: 65_536,
    maxExportBatchSize: 2_048,
    scheduledDelayMillis: 1_000,
  });
  // The exporter groups spans by resource and scope object identity, so equal ones must be one object.
  const resources = new Map<string, Resource>();
  const scopes = new Map<string, InstrumentationScope>();
  const resourceOf = (span: ReceivedSpan): Resource => {
    const attributes = toOtelAttributes(span.resource);
    const key = JSON.stringify(attributes);
    let resource = resources.get(key);
    if (!resource) resources.set(key, (resource = resourceFromAttributes(attributes)));
    return resource;
  };
  const scopeOf = (name: string): InstrumentationScope => {
    let scope = scopes.get(name);
    if (!scope) scopes.set(name, (scope = { name }));
    return scope;
  };

  return {
    forward(spans) {
      for (const span of spans) {
        try {
          processor.onEnd(toReadableSpan(span, resourceOf(span), scopeOf(span.scope)));
        } catch {
          // A span the SDK cannot take is lost for the backend only.
        }
      }
    },
    async shutdown(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
      await Promise.race([processor.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
    },
  };
}

const SPAN_KINDS: Record<string, number> = { INTERNAL: 0, UNSPECIFIED: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };
const SAMPLED = 1;

function toReadableSpan(span: ReceivedSpan, resource: Resource, instrumentationScope: InstrumentationScope): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: SAMPLED };
  const links: Link[] = span.links.map((link) => ({ context: { traceId: link.traceId, spanId: link.spanId, traceFlags: SAMPLED } }));
  const events: TimedEvent[] = span.events.map((event) => ({
    name: event.name,
    time: hrTime(event.timeUnixNano),
    attributes: toOtelAttributes(event.attributes),
  }));
  return {
    name: span.name,
    kind: SPAN_KINDS[span.kind] ?? 0,
    spanContext: () => context,
    parentSpanContext: span.parentSpanId ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: SAMPLED, isRemote: true } : undefined,
    startTime: hrTime(span.startTimeUnixNano),
    endTime: hrTime(span.endTimeUnixNano),
    duration: hrTime(span.endTimeUnixNano - span.startTimeUnixNano),
    status: { code: STATUS_CODES[span.status.code] ?? 0, message: span.status.message || undefined },
    attributes: toOtelAttributes(span.attributes),
    links,
    events,
    ended: true,
    resource,
    instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function hrTime(nanos: bigint): HrTime {
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

/** OTel attributes hold primitives and arrays of them; bytes become hex and maps become JSON text. */
function toOtelAttributes(attributes: Record<string, AttrValue>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = toOtelValue(value);
  return out;
}

function toOtelValue(value: AttrValue): OtelAttributeValue {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) {
    const items = value.map((item) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? item : JSON.stringify(item)));
    return items as OtelAttributeValue;
  }
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return value;
}
