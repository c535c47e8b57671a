import type * as Grpc from '@grpc/grpc-js';
import { BoundedLog } from './bounded-log';
import { otlpExportService, type OtlpSignal, type RawAndDecoded } from './otlp-service';
import { decodeLogsRequest, type ProtoExportLogsServiceRequest, type ReceivedLogRecord } from './received-log';
import { decodeMetricsRequest, type ProtoExportMetricsServiceRequest, type ReceivedMetricPoint } from './received-metric';
import { decodeExportRequest, type ProtoExportTraceServiceRequest, type ReceivedSpan } from './received-span';
import { hostPort, receiverUrl } from './receiver-address';

interface OtlpTraceReceiverOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port, read it back from `port`. */
  port?: number;
  /** Spans kept in memory; older ones are dropped (and counted) beyond this. Default 1_000_000. */
  maxSpans?: number;
  /** Answer every Export with this gRPC status code instead of accepting it (a broken backend). */
  failWith?: Grpc.status;
  /**
   * Also serve MetricsService and LogsService on the same port, as a collector does. Off by
   * default: the receiver then answers them UNIMPLEMENTED, as a traces-only Tempo does.
   */
  metricsAndLogs?: boolean;
  /** Metric data points and log records kept in memory, as maxSpans. Default 1_000_000 each. */
  maxMetricPoints?: number;
  maxLogRecords?: number;
}

type SpansListener = (spans: ReceivedSpan[]) => void;

/** One accepted Export request, unchanged, with the number of spans, data points or log records in it. */
export interface ReceivedExport {
  readonly signal: OtlpSignal;
  readonly body: Buffer;
  readonly items: number;
}

// grpc-js's default of 4 MiB is the same as the OpenTelemetry Collector's, but an SDK configured
// with large batches can exceed it; a test collector should not be the thing that refuses them.
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const CLOSE_GRACE_MS = 2000;
const WAIT_REPORT_LIMIT = 50;

/**
 * An OTLP/gRPC receiver: the embedded collector behind `thespian up` and the tests. It accepts
 * TraceService/Export (plain or gzip), flattens every request into ReceivedSpans, keeps a
 * bounded number of them and tells subscribers about each batch; with `metricsAndLogs` it does
 * the same for MetricsService and LogsService on the same port (named for traces, its first
 * signal and the only one a traces-only backend takes).
 */
export class OtlpTraceReceiver {
  /** Change at any time to make Export fail (a gRPC status code) or, with undefined, succeed again. */
  failWith: Grpc.status | undefined;

  private readonly received: BoundedLog<ReceivedSpan>;
  private readonly metrics: BoundedLog<ReceivedMetricPoint>;
  private readonly logs: BoundedLog<ReceivedLogRecord>;
  private readonly exportListeners = new Set<(request: ReceivedExport) => void>();
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Grpc.Server,
    private readonly host: string,
    options: OtlpTraceReceiverOptions,
  ) {
    this.failWith = options.failWith;
    this.received = new BoundedLog(options.maxSpans ?? 1_000_000, describeSpans);
    this.metrics = new BoundedLog(options.maxMetricPoints ?? 1_000_000, (kept, dropped) => `received ${kept.length} metric data points (${dropped} dropped)`);
    this.logs = new BoundedLog(options.maxLogRecords ?? 1_000_000, (kept, dropped) => `received ${kept.length} log records (${dropped} dropped)`);
  }

  static async start(options: OtlpTraceReceiverOptions = {}): Promise<OtlpTraceReceiver> {
    // Loaded here rather than at the top so that importing collector/ does not load grpc-js:
    // instrumentation-grpc only patches a grpc-js that is loaded after the SDK has started.
    const grpc = require('@grpc/grpc-js') as typeof Grpc;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    const receiver = new OtlpTraceReceiver(server, options.host ?? '127.0.0.1', options);
    receiver.serve('traces', (request: ProtoExportTraceServiceRequest) => decodeExportRequest(request), receiver.received);
    if (options.metricsAndLogs) {
      receiver.serve('metrics', (request: ProtoExportMetricsServiceRequest) => decodeMetricsRequest(request), receiver.metrics);
      receiver.serve('logs', (request: ProtoExportLogsServiceRequest) => decodeLogsRequest(request), receiver.logs);
    }
    receiver.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(hostPort(receiver.host, options.port ?? 0), grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    return receiver;
  }

  get port(): number {
    return this.boundPort;
  }

  /** What to give an OTLP/gRPC exporter as its url. */
  get endpoint(): string {
    return receiverUrl(this.host, this.boundPort);
  }

  /** Spans dropped because more than maxSpans were kept. */
  get dropped(): number {
    return this.received.dropped;
  }

  /** A copy of every kept span, oldest first. */
  spans(): ReceivedSpan[] {
    return this.received.items();
  }

  /** Distinct trace ids, in the order their first span arrived. */
  traceIds(): string[] {
    return [...new Set(this.received.view().map((span) => span.traceId))];
  }

  trace(traceId: string): ReceivedSpan[] {
    const wanted = traceId.toLowerCase();
    return this.received.view().filter((span) => span.traceId === wanted);
  }

  /** Forgets every kept span and the drop count, e.g. between test cases. */
  clear(): void {
    this.received.clear();
  }

  /** Calls listener with each accepted batch (one Export request); returns the unsubscribe. */
  onSpans(listener: SpansListener): () => void {
    return this.received.subscribe(listener);
  }

  /** The data points of each accepted MetricsService Export (with metricsAndLogs). */
  onMetrics(listener: (points: ReceivedMetricPoint[]) => void): () => void {
    return this.metrics.subscribe(listener);
  }

  /** The records of each accepted LogsService Export (with metricsAndLogs). */
  onLogs(listener: (records: ReceivedLogRecord[]) => void): () => void {
    return this.logs.subscribe(listener);
  }

  /** Every accepted Export request of any signal, as its bytes came, after the signal's own subscribers. */
  onExport(listener: (request: ReceivedExport) => void): () => void {
    this.exportListeners.add(listener);
    return () => this.exportListeners.delete(listener);
  }

  /** A copy of every kept log record, oldest first. */
  logRecords(): ReceivedLogRecord[] {
    return this.logs.items();
  }

  /** Resolves with all kept log records once predicate holds; rejects after timeoutMs. */
  waitForLogs(predicate: (all: ReceivedLogRecord[]) => boolean, timeoutMs = 5000): Promise<ReceivedLogRecord[]> {
    return this.logs.waitFor(predicate, timeoutMs);
  }

  /** A copy of every kept metric data point, oldest first. */
  metricPoints(): ReceivedMetricPoint[] {
    return this.metrics.items();
  }

  /**
   * Resolves with all kept spans once predicate holds for them (checked now and after every
   * batch); rejects after timeoutMs with a listing of what did arrive, so a failing test says why.
   */
  waitFor(predicate: (all: ReceivedSpan[]) => boolean, timeoutMs = 5000): Promise<ReceivedSpan[]> {
    return this.received.waitFor(predicate, timeoutMs);
  }

  /** Stops accepting; waits up to 2 s for calls in flight, then cuts the connections. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, CLOSE_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return this.closing;
  }

  /** Serves `signal`'s Export: each accepted request is decoded into items kept in `log`, then handed on as it came. */
  private serve<Request, Item>(signal: OtlpSignal, decode: (request: Request) => Item[], log: BoundedLog<Item>): void {
    this.server.addService(otlpExportService(signal), {
      Export: (call: Grpc.ServerUnaryCall<RawAndDecoded<Request>, object>, callback: Grpc.sendUnaryData<object>) => {
        if (this.failWith !== undefined) {
          callback({ code: this.failWith, details: `OtlpTraceReceiver was told to fail with status ${this.failWith}` });
          return;
        }
        const items = decode(call.request.message);
        // An empty response message means "all accepted" (no partial_success).
        callback(null, {});
        log.append(items);
        for (const listener of [...this.exportListeners]) {
          try {
            listener({ signal, body: call.request.body, items: items.length });
          } catch (error) {
            // As BoundedLog's subscribers: a broken one must not fail the sender.
            process.emitWarning(error instanceof Error ? error : new Error(String(error)));
          }
        }
      },
    });
  }
}

function describeSpans(all: readonly ReceivedSpan[], dropped: number): string {
  const shown = all.slice(-WAIT_REPORT_LIMIT).map((span) => {
    const parent = span.parentSpanId || 'root';
    const message = span.status.message ? `: ${span.status.message}` : '';
    return `  trace ${span.traceId} span ${span.spanId} ← ${parent}  ${span.service} "${span.name}" ${span.kind} ${span.status.code}${message}`;
  });
  const older = all.length > WAIT_REPORT_LIMIT ? [`  … and ${all.length - WAIT_REPORT_LIMIT} older spans`] : [];
  const traces = new Set(all.map((span) => span.traceId)).size;
  return [`received ${all.length} spans in ${traces} traces (${dropped} dropped)${all.length ? ':' : ''}`, ...older, ...shown].join('\n');
}
