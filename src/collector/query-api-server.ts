import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogStore } from './log-store';
import { LogQueryError, matchesLogQuery, parseLogQuery } from './logql-query';
import type { ReceivedLogLine } from './loki-push-receiver';
import { tempoTraceJson } from './tempo-json';
import type { TraceStore } from './trace-store';

/**
 * Read access to the embedded collector over HTTP, in the formats of the real backends, so that
 * whatever reads Tempo and Loki (`thespian verify`, curl, a Grafana data source) reads
 * `thespian up` the same way:
 *
 *   GET /api/traces/<trace id>              Tempo's trace by id (404 when not found)
 *   GET /api/v2/traces/<trace id>           the same as {"trace": {"resourceSpans": ...}}
 *   GET /loki/api/v1/query_range?query=...  Loki's log query: stream selector and line filters,
 *                                           start/end (ns or RFC 3339), limit, direction
 *   GET /ready                              200 "ready"
 */
interface QueryApiOptions {
  readonly traces: TraceStore;
  readonly logs: LogStore;
  readonly host?: string;
  readonly port: number;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 50_000;

export class QueryApiServer {
  private constructor(
    private readonly server: http.Server,
    private readonly host: string,
  ) {}

  static async start(options: QueryApiOptions): Promise<QueryApiServer> {
    const server = http.createServer((request, response) => answer(options, request, response));
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new QueryApiServer(server, host);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * The query port of a topology's `thespian up`: the port just below base_port (7099 for the
 * default 7100), or further down if a service has taken it. `verify --embedded` works it out
 * the same way, so it needs no address.
 */
export function defaultQueryPort(basePort: number, servicePorts: readonly number[]): number {
  let port = basePort - 1;
  while (port >= 1 && servicePorts.includes(port)) port--;
  return port >= 1 ? port : basePort + servicePorts.length + 1;
}

function answer(options: QueryApiOptions, request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://query');
  const send = (status: number, body: unknown) => {
    const text = typeof body === 'string' ? `${body}\n` : JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' }).end(text);
  };
  if (request.method !== 'GET') return send(405, 'only GET is supported');
  if (url.pathname === '/ready') return send(200, 'ready');
  const trace = /^\/api(\/v2)?\/traces\/([0-9a-fA-F]{1,32})$/.exec(url.pathname);
  if (trace) {
    const spans = options.traces.trace(trace[2].padStart(32, '0'));
    if (!spans || spans.length === 0) return send(404, 'trace not found');
    const json = tempoTraceJson(spans);
    return send(200, trace[1] ? { trace: { resourceSpans: json.batches } } : json);
  }
  if (url.pathname === '/loki/api/v1/query_range') return send(...queryRange(options.logs, url.searchParams));
  return send(404, `not found: ${url.pathname}`);
}

function queryRange(logs: LogStore, params: URLSearchParams): [number, unknown] {
  const failure = (message: string): [number, unknown] => [400, message];
  const text = params.get('query');
  if (!text) return failure('query is required');
  let query;
  try {
    query = parseLogQuery(text);
  } catch (error) {
    if (error instanceof LogQueryError) return failure(`parse error: ${error.message}`);
    throw error;
  }
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const end = params.has('end') ? parseTime(params.get('end')!) : nowNs;
  const start = params.has('start') ? parseTime(params.get('start')!) : nowNs - 3_600_000_000_000n;
  if (start === undefined || end === undefined) return failure('start and end must be nanoseconds since the epoch or RFC 3339 times');
  const limit = Math.min(MAX_LIMIT, Number(params.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT);
  const forward = params.get('direction') === 'forward';
  const candidates = query.traceId ? logs.ofTrace(query.traceId) : logs.all();
  let matched: ReceivedLogLine[];
  try {
    matched = candidates.filter((line) => line.timestampNs >= start && line.timestampNs <= end && matchesLogQuery(query, line));
  } catch (error) {
    if (error instanceof LogQueryError || error instanceof SyntaxError) return failure(`parse error: ${error.message}`);
    throw error;
  }
  matched.sort((a, b) => (a.timestampNs === b.timestampNs ? 0 : (a.timestampNs < b.timestampNs) === forward ? -1 : 1));
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
  for (const line of matched.slice(0, limit)) {
    const key = JSON.stringify(Object.entries(line.labels).sort());
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = { stream: line.labels, values: [] }));
    stream.values.push([line.timestampNs.toString(), line.line]);
  }
  return [200, { status: 'success', data: { resultType: 'streams', result: [...streams.values()], stats: {} } }];
}

function parseTime(text: string): bigint | undefined {
  if (/^\d+$/.test(text)) {
    // Loki takes seconds, or nanoseconds when the number is that large.
    return text.length > 12 ? BigInt(text) : BigInt(text) * 1_000_000_000n;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}
