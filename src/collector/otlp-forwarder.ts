import type * as Grpc from '@grpc/grpc-js';
import { OTLP_SERVICES, type OtlpSignal } from './otlp-service';
import type { ReceivedExport } from './otlp-trace-receiver';

/** What became of one signal's items (spans, metric data points, log records) given to the forwarder. */
export interface ForwardedCounts {
  sent: number;
  /** Refused because the queue was full: the backend is slower than the services. */
  droppedQueueFull: number;
  /** The backend refused the request, could not be reached, or did not answer within the deadline. */
  droppedFailed: number;
  /** Still queued or on the way when the deadline of the shutdown passed. */
  droppedAtShutdown: number;
}

export interface OtlpForwarder {
  /** Queues one received Export request for the backend; never blocks, never throws. */
  forward(request: ReceivedExport): void;
  /** Sends what is queued, waiting at most `deadlineMs`; what is left then is cut and counted. */
  shutdown(deadlineMs: number): Promise<void>;
  /** Per signal, in items. */
  counts(): Record<OtlpSignal, ForwardedCounts>;
}

/**
 * Request bytes held at most (by default), queued, on the way or waiting for a retry: a few
 * seconds of a busy ecosystem, and the bound on the memory a dead backend can cost.
 */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/** Requests on the way at once: enough to keep up over a slow link, few enough that a stalled backend holds little. */
const MAX_IN_FLIGHT = 4;
/** The deadline of each forwarded request, the OTLP exporters' default timeout. */
const CALL_DEADLINE_MS = 10_000;
/**
 * The codes the OTLP spec calls retryable that a backend sends when it is briefly overloaded or
 * restarting: a collector's memory_limiter refuses with RESOURCE_EXHAUSTED and expects the sender
 * to try again. A request gets RETRIES more tries, after RETRY_BASE_MS, then twice that.
 */
const RETRYABLE_CODES = new Set([14 /* UNAVAILABLE */, 8 /* RESOURCE_EXHAUSTED */]);
const RETRIES = 2;
const RETRY_BASE_MS = 500;
/** The OTLP/gRPC port, when the URL gives none. */
const DEFAULT_OTLP_PORT = '4317';

/**
 * Sends on what the embedded receiver accepted to a real OTLP/gRPC backend (`thespian up --otlp`),
 * for all three signals: each Export request exactly as it came (its protobuf bytes, so nothing
 * the receiver does not decode is lost: exemplars, flags, schema URLs), to the same service and
 * method. The services' SDKs batched it already, so it goes as one request; grpc-js does the
 * transport. The queue is bounded in bytes and a few requests are on the way at once, each with a
 * deadline, so a dead, slow or black-holed backend costs forwarded items (counted per signal),
 * never the local view, memory or the stop.
 */
export function startOtlpForwarder(url: string, options: { onFirstFailure?: (message: string) => void; maxQueuedBytes?: number } = {}): OtlpForwarder {
  // Required here, not imported at the top, so importing collector/ does not load grpc-js.
  const grpc = require('@grpc/grpc-js') as typeof Grpc;
  const { hostname, port, protocol } = new URL(url);
  const credentials = protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const client = new grpc.Client(`${hostname}:${port || DEFAULT_OTLP_PORT}`, credentials, { 'grpc.max_send_message_length': -1 });
  return new RequestForwarder(grpc, client, url, options.maxQueuedBytes ?? MAX_QUEUED_BYTES, options.onFirstFailure);
}

class RequestForwarder implements OtlpForwarder {
  private readonly queue: ReceivedExport[] = [];
  /** Bytes of the requests queued, on the way and waiting for a retry: all that the bound covers. */
  private heldBytes = 0;
  private readonly inFlight = new Set<{ call: Grpc.ClientUnaryCall; request: ReceivedExport }>();
  private readonly retrying = new Map<NodeJS.Timeout, ReceivedExport>();
  private readonly triesOf = new WeakMap<ReceivedExport, number>();
  private readonly tally: Record<OtlpSignal, ForwardedCounts> = { traces: zero(), metrics: zero(), logs: zero() };
  private closed = false;
  private failureSaid = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly grpc: typeof Grpc,
    private readonly client: Grpc.Client,
    private readonly url: string,
    private readonly maxQueuedBytes: number,
    private readonly onFirstFailure: ((message: string) => void) | undefined,
  ) {}

  forward(request: ReceivedExport): void {
    if (this.closed || this.heldBytes + request.body.length > this.maxQueuedBytes) {
      this.tally[request.signal][this.closed ? 'droppedAtShutdown' : 'droppedQueueFull'] += request.items;
      return;
    }
    this.queue.push(request);
    this.heldBytes += request.body.length;
    this.pump();
  }

  counts(): Record<OtlpSignal, ForwardedCounts> {
    return structuredClone(this.tally);
  }

  async shutdown(deadlineMs: number): Promise<void> {
    this.closed = true;
    if (!this.isIdle()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (this.idle = resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
      clearTimeout(timer);
    }
    for (const request of this.queue.splice(0)) this.tally[request.signal].droppedAtShutdown += request.items;
    for (const [timer, request] of this.retrying) {
      clearTimeout(timer);
      this.tally[request.signal].droppedAtShutdown += request.items;
    }
    this.retrying.clear();
    this.heldBytes = 0;
    const cut = [...this.inFlight];
    // Emptied first, so that the cancelled calls' callbacks know they were counted here.
    this.inFlight.clear();
    for (const { call, request } of cut) {
      this.tally[request.signal].droppedAtShutdown += request.items;
      call.cancel();
    }
    this.client.close();
  }

  private pump(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT && this.queue.length > 0) this.send(this.queue.shift()!);
    if (this.isIdle()) this.idle?.();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0 && this.retrying.size === 0;
  }

  private send(request: ReceivedExport): void {
    const identity = (bytes: Buffer) => bytes;
    const entry = { request } as { call: Grpc.ClientUnaryCall; request: ReceivedExport };
    entry.call = this.client.makeUnaryRequest(
      OTLP_SERVICES[request.signal].exportPath,
      identity,
      identity,
      request.body,
      new this.grpc.Metadata(),
      { deadline: Date.now() + CALL_DEADLINE_MS },
      (error) => {
        // Cut at shutdown: counted there already.
        if (!this.inFlight.delete(entry)) return;
        if (error && this.retryLater(request, error)) return this.pump();
        this.heldBytes -= request.body.length;
        if (error) this.failed(request, error);
        else this.tally[request.signal].sent += request.items;
        this.pump();
      },
    );
    this.inFlight.add(entry);
  }

  /**
   * Whether `request` will be tried again (its bytes stay held until then). During the stop too:
   * its deadline cuts a retry still waiting, and counts it with the rest.
   */
  private retryLater(request: ReceivedExport, error: Grpc.ServiceError): boolean {
    const tries = this.triesOf.get(request) ?? 0;
    if (tries >= RETRIES || !RETRYABLE_CODES.has(error.code)) return false;
    this.triesOf.set(request, tries + 1);
    const timer = setTimeout(() => {
      this.retrying.delete(timer);
      this.queue.unshift(request);
      this.pump();
    }, RETRY_BASE_MS * 2 ** tries);
    this.retrying.set(timer, request);
    return true;
  }

  private failed(request: ReceivedExport, error: Grpc.ServiceError): void {
    this.tally[request.signal].droppedFailed += request.items;
    if (this.failureSaid) return;
    this.failureSaid = true;
    this.onFirstFailure?.(`forwarding ${request.signal} to ${this.url} failed (${error.code} ${this.grpc.status[error.code] ?? ''}: ${error.details}); what fails is counted in the summary`);
  }
}

function zero(): ForwardedCounts {
  return { sent: 0, droppedQueueFull: 0, droppedFailed: 0, droppedAtShutdown: 0 };
}
