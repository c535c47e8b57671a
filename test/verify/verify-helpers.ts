/**
 * Pieces of the verify tests: a small two-service topology on free ports, its services as real
 * instances reporting to the test's own receivers, and fixture HTTP servers that answer in
 * Tempo's, Jaeger's and Loki's documented response formats from what those receivers got, so
 * the data verify reads back is real. Each fixture can misbehave on purpose: hide traces (404),
 * drop spans or lines, or answer 404 for the first few queries of a trace (slow ingestion).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LokiPushReceiver, OtlpTraceReceiver, type AttrValue, type ReceivedLogLine, type ReceivedSpan } from '../../src/collector';
import { localLocator, loadTopology, resolveBehaviour } from '../../src/topology';
import { closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { exportTo } from '../support/telemetry-env';
import { freePorts, tempDir, writeJson } from '../up/up-helpers';

export interface Stack {
  readonly topologyPath: string;
  readonly receiver: OtlpTraceReceiver;
  readonly loki: LokiPushReceiver;
  close(): Promise<void>;
}

/** front/A: a sleep, a Log, then back/A and a sleep at once; back/A fails now and then. */
export function shopTopology(ports: { front: number; back: number }, rps = 5): object {
  return {
    name: 'verify-shop',
    services: {
      front: {
        port: ports.front,
        behaviour: {
          grpc_method_a: {
            tracing_name: 'checkout',
            operations: [
              { Action: { Sleep: { tracing_name: 'auth', duration_ms: 2 } } },
              { Action: { Log: { message: 'cart loaded', level: 'warn' } } },
              {
                ConcurrentActions: [
                  { CallService: { tracing_name: 'charge', service: 'back', grpc_method: 'A' } },
                  { Sleep: { tracing_name: 'render', duration_ms: 3 } },
                ],
              },
            ],
          },
        },
      },
      back: {
        port: ports.back,
        behaviour: {
          grpc_method_a: {
            tracing_name: 'payment',
            operations: [
              { Action: { Sleep: { tracing_name: 'fraud check', duration_ms: 2 } } },
              { Action: { Sleep: { tracing_name: 'card network', duration_ms: 3, failure_chance: 0.25 } } },
            ],
          },
        },
      },
    },
    entry_points: [{ service: 'front', method: 'A', rps }],
  };
}

/**
 * The topology's services as real instances (not `thespian up`), reporting to receivers of the
 * test's own: the shop, or another topology on the two ports; `env` is added to every instance's.
 */
export async function startStack(options: { topology?: (ports: { front: number; back: number }) => object; env?: Record<string, string> } = {}): Promise<Stack> {
  const [front, back] = await freePorts(2);
  const dir = tempDir();
  const topologyPath = writeJson(dir, 'shop.json', (options.topology ?? shopTopology)({ front, back }));
  const topology = loadTopology(topologyPath);
  const receiver = await OtlpTraceReceiver.start();
  const loki = await LokiPushReceiver.start();
  const instances: InstanceProcess[] = [];
  for (const service of topology.services) {
    instances.push(
      await startInstance({
        behaviour: resolveBehaviour(topology, service.name, localLocator),
        env: { ...exportTo(receiver, loki), PORT: String(service.port), SERVICE_NAME: service.name, ...options.env },
      }),
    );
  }
  return {
    topologyPath,
    receiver,
    loki,
    async close() {
      closeClients();
      await Promise.all(instances.map((instance) => instance.stop()));
      await Promise.all([receiver.close(), loki.close()]);
    },
  };
}

export interface FixtureOptions {
  /** The first N distinct traces asked for are never found. */
  readonly hideFirst?: number;
  /** Spans left out of every answer. */
  readonly dropSpan?: (span: ReceivedSpan) => boolean;
  /** Lines left out of every Loki answer. */
  readonly dropLine?: (line: ReceivedLogLine) => boolean;
  /** A trace is answered 404 this many times before it is found. */
  readonly slowPolls?: number;
  /** Tempo only: write ids in hex (as some versions and proxies do) and use the old instrumentationLibrarySpans key. */
  readonly legacyTempo?: boolean;
  /** Loki answers as Loki 3 does for lines that came in over OTLP (see lokiOtlpAnswer), not as for winston-loki's. */
  readonly lokiOtlp?: boolean;
}

export interface Fixture {
  readonly url: string;
  /** Queries received, by kind. */
  readonly queries: { traces: number; logs: number };
  close(): Promise<void>;
}

/** A fixture backend in one format, answering from the stack's receivers. */
export async function startFixture(format: 'tempo' | 'jaeger', stack: Stack, options: FixtureOptions = {}): Promise<Fixture> {
  const hidden: string[] = [];
  const polls = new Map<string, number>();
  const queries = { traces: 0, logs: 0 };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    const json = (status: number, body: unknown) => response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const trace = /^\/api\/traces\/([0-9a-f]+)$/.exec(url.pathname);
    if (trace) {
      queries.traces++;
      const id = trace[1];
      const notFound = () =>
        format === 'jaeger'
          ? json(404, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] })
          : response.writeHead(404, { 'Content-Type': 'text/plain' }).end('trace not found');
      if (!hidden.includes(id) && hidden.length < (options.hideFirst ?? 0)) hidden.push(id);
      if (hidden.includes(id)) return notFound();
      const seen = (polls.get(id) ?? 0) + 1;
      polls.set(id, seen);
      if (seen <= (options.slowPolls ?? 0)) return notFound();
      const spans = stack.receiver.trace(id).filter((span) => !options.dropSpan?.(span));
      if (spans.length === 0) return notFound();
      return json(200, format === 'tempo' ? tempoBody(spans, options.legacyTempo === true) : jaegerBody(id, spans));
    }
    if (url.pathname === '/loki/api/v1/query_range' && options.lokiOtlp) {
      queries.logs++;
      return json(200, lokiOtlpAnswer(stack, url.searchParams.get('query') ?? '', options.dropLine));
    }
    if (url.pathname === '/loki/api/v1/query_range') {
      queries.logs++;
      const query = url.searchParams.get('query') ?? '';
      const id = /\|= "([0-9a-f]{32})"/.exec(query)?.[1];
      const lines = stack.loki.lines().filter((line) => id !== undefined && line.line.includes(id) && !options.dropLine?.(line));
      const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
      for (const line of lines) {
        const key = JSON.stringify(line.labels);
        if (!streams.has(key)) streams.set(key, { stream: line.labels, values: [] });
        streams.get(key)!.values.push([line.timestampNs.toString(), line.line]);
      }
      return json(200, { status: 'success', data: { resultType: 'streams', result: [...streams.values()], stats: {} } });
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * What Loki 3 answers for OTLP log records (pkg/loghttp/push/otlp.go): the line is the record's
 * body, here the message alone; the resource's service.name is the index label service_name;
 * trace_id and span_id (hex), severity_text, severity_number and the record's attributes are
 * structured metadata, which the answer merges into the stream's labels (no categorize-labels
 * flag asked), so each record is its own stream. Such a line does not hold its trace id, so only
 * the label filter `| trace_id="<id>"` finds it; `|= "<id>"` finds nothing.
 */
function lokiOtlpAnswer(stack: Stack, query: string, dropLine: FixtureOptions['dropLine']): unknown {
  const id = /\| trace_id="([0-9a-f]{32})"/.exec(query)?.[1];
  const records = stack.loki.lines().filter((line) => id !== undefined && line.line.includes(id) && !dropLine?.(line));
  const result = records.map((record) => {
    const { message, level, trace_id, span_id, timestamp: _timestamp, ...attributes } = JSON.parse(record.line) as Record<string, unknown>;
    const severityNumber = { error: 17, warn: 13, info: 9, debug: 5 }[String(level)] ?? 0;
    const metadata = { trace_id: String(trace_id), span_id: String(span_id), severity_text: String(level), severity_number: String(severityNumber) };
    const flat = Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key.replace(/[^A-Za-z0-9_]/g, '_'), String(value)]));
    return { stream: { service_name: record.labels.service_name, ...flat, ...metadata }, values: [[record.timestampNs.toString(), String(message)]] };
  });
  return { status: 'success', data: { resultType: 'streams', result, stats: {} } };
}

/** Tempo's /api/traces/<id>: {"batches": [{resource, scopeSpans: [{scope, spans}]}]}, ids base64 (or hex for legacy). */
function tempoBody(spans: readonly ReceivedSpan[], legacy: boolean): unknown {
  const id = (hex: string) => (legacy ? hex : Buffer.from(hex, 'hex').toString('base64'));
  const byService = new Map<string, ReceivedSpan[]>();
  for (const span of spans) byService.set(span.service, [...(byService.get(span.service) ?? []), span]);
  return {
    batches: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      [legacy ? 'instrumentationLibrarySpans' : 'scopeSpans']: [
        {
          [legacy ? 'instrumentationLibrary' : 'scope']: { name: list[0].scope },
          spans: list.map((span) => ({
            traceId: id(span.traceId),
            spanId: id(span.spanId),
            ...(span.parentSpanId ? { parentSpanId: id(span.parentSpanId) } : {}),
            name: span.name,
            kind: legacy ? ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT'].indexOf(span.kind) : `SPAN_KIND_${span.kind}`,
            startTimeUnixNano: span.startTimeUnixNano.toString(),
            endTimeUnixNano: span.endTimeUnixNano.toString(),
            attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: otlpValue(value) })),
            events: span.events.map((event) => ({
              timeUnixNano: event.timeUnixNano.toString(),
              name: event.name,
              attributes: Object.entries(event.attributes).map(([key, value]) => ({ key, value: otlpValue(value) })),
            })),
            status: span.status.code === 'ERROR' ? { code: legacy ? 2 : 'STATUS_CODE_ERROR', message: span.status.message } : {},
          })),
        },
      ],
    })),
  };
}

function otlpValue(value: AttrValue): unknown {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(otlpValue) } };
  return { stringValue: String(value) };
}

/** Jaeger's /api/traces/<id>: {"data": [{traceID, spans: [...], processes: {...}}]}, hex ids, microseconds. */
function jaegerBody(traceId: string, spans: readonly ReceivedSpan[]): unknown {
  const services = [...new Set(spans.map((span) => span.service))];
  const tag = (key: string, value: AttrValue) =>
    typeof value === 'number'
      ? { key, type: Number.isInteger(value) ? 'int64' : 'float64', value }
      : typeof value === 'boolean'
        ? { key, type: 'bool', value }
        : { key, type: 'string', value: String(value) };
  return {
    data: [
      {
        traceID: traceId,
        spans: spans.map((span) => ({
          traceID: span.traceId,
          spanID: span.spanId,
          operationName: span.name,
          references: span.parentSpanId ? [{ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId }] : [],
          startTime: Number(span.startTimeUnixNano / 1000n),
          duration: Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n),
          tags: [
            ...Object.entries(span.attributes).map(([key, value]) => tag(key, value)),
            { key: 'span.kind', type: 'string', value: span.kind.toLowerCase() },
            ...(span.status.code === 'ERROR' ? [tag('otel.status_code', 'ERROR'), tag('error', true)] : []),
          ],
          logs: span.events.map((event) => ({
            timestamp: Number(event.timeUnixNano / 1000n),
            fields: [{ key: 'event', type: 'string', value: event.name }, ...Object.entries(event.attributes).map(([key, value]) => tag(key, value))],
          })),
          processID: `p${services.indexOf(span.service) + 1}`,
          warnings: null,
        })),
        processes: Object.fromEntries(services.map((service, index) => [`p${index + 1}`, { serviceName: service, tags: [] }])),
        warnings: null,
      },
    ],
    total: 0,
    limit: 0,
    offset: 0,
    errors: null,
  };
}
