import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type * as Grpc from '@grpc/grpc-js';
import { BoundedLog } from './bounded-log';
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
}

type SpansListener = (spans: ReceivedSpan[]) => void;

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto', 'otlp');
const SERVICE_NAME = 'opentelemetry.proto.collector.trace.v1.TraceService';
// grpc-js's default of 4 MiB is the same as the OpenTelemetry Collector's, but an SDK configured
// with large batches can exceed it; a test collector should not be the thing that refuses them.
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const CLOSE_GRACE_MS = 2000;
const WAIT_REPORT_LIMIT = 50;

/**
 * An OTLP/gRPC trace receiver: the embedded collector behind `thespian up` and the tests.
 * It accepts TraceService/Export (plain or gzip), flattens every request into ReceivedSpans,
 * keeps a bounded number of them and tells subscribers about each batch.
 */
export class OtlpTraceReceiver {
  /** Change at any time to make Export fail (a gRPC status code) or, with undefined, succeed again. */
  failWith: Grpc.status | undefined;

  private readonly received: BoundedLog<ReceivedSpan>;
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Grpc.Server,
    private readonly host: string,
    maxSpans: number,
    failWith: Grpc.status | undefined,
  ) {
    this.failWith = failWith;
    this.received = new BoundedLog(maxSpans, describeSpans);
  }

  static async start(options: OtlpTraceReceiverOptions = {}): Promise<OtlpTraceReceiver> {
    const maxSpans = options.maxSpans ?? 1_000_000;
    // Loaded here rather than at the top so that importing collector/ does not load grpc-js:
    // instrumentation-grpc only patches a grpc-js that is loaded after the SDK has started.
    const grpc = require('@grpc/grpc-js') as typeof Grpc;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    const receiver = new OtlpTraceReceiver(server, options.host ?? '127.0.0.1', maxSpans, options.failWith);
    server.addService(loadTraceService(), {
      Export: (call: Grpc.ServerUnaryCall<ProtoExportTraceServiceRequest, object>, callback: Grpc.sendUnaryData<object>) =>
        receiver.handleExport(call.request, callback),
    });
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

  private handleExport(request: ProtoExportTraceServiceRequest, callback: Grpc.sendUnaryData<object>): void {
    if (this.failWith !== undefined) {
      callback({ code: this.failWith, details: `OtlpTraceReceiver was told to fail with status ${this.failWith}` });
      return;
    }
    const spans = decodeExportRequest(request);
    // An empty response message means "all accepted" (no partial_success).
    callback(null, {});
    this.received.append(spans);
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

let traceService: Grpc.ServiceDefinition | undefined;

// Options that keep decoding lossless and simple to read: fixed64 nanosecond times come as
// decimal strings (BigInt-ready), bytes ids stay Buffers, enums come as names, and `oneofs`
// names the AnyValue member that is set.
function loadTraceService(): Grpc.ServiceDefinition {
  traceService ??= protoLoader.loadSync('trace-service.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  })[SERVICE_NAME] as Grpc.ServiceDefinition;
  return traceService;
}
