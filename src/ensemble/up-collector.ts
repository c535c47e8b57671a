import type { WriteStream } from 'node:fs';
import {
  defaultQueryPort,
  LogStore,
  LokiPushReceiver,
  OtlpTraceReceiver,
  QueryApiServer,
  spanJsonLine,
  startOtlpForwarder,
  TraceAssembler,
  TraceStore,
  type AssembledTrace,
  type OtlpForwarder,
  type ReceivedSpan,
} from '../collector';
import type { Topology } from '../topology';
import type { TraceTally } from './trace-tally';

interface UpCollectorOptions {
  readonly tally: TraceTally;
  /** A trace handed over by the assembler (complete, or at the end of the run). */
  readonly onTrace: (trace: AssembledTrace) => void;
  /** Every received span as a JSON line (--json). */
  readonly json: WriteStream | undefined;
  /** Also send every span to this OTLP/gRPC backend (--otlp). */
  readonly otlpUrl: string | undefined;
}

/** A trace is complete once its root has arrived and no span of it came for this long. */
const TRACE_QUIET_MS = 1_000;
/** What the query API keeps for looking back: about a minute and a half of a busy run. */
const QUERY_MAX_SPANS = 200_000;
const QUERY_MAX_LINES = 200_000;

/**
 * What `thespian up` runs in place of a telemetry backend: the OTLP and Loki receivers the
 * services report to, and everything each received span goes on to: the tally, the stores behind
 * the query API, the --json file, the --otlp forwarder and the trace assembler.
 */
export class UpCollector {
  private lines = 0;
  private query: QueryApiServer | undefined;

  private constructor(
    private readonly receiver: OtlpTraceReceiver,
    private readonly loki: LokiPushReceiver,
    readonly assembler: TraceAssembler,
    private readonly traceStore: TraceStore,
    private readonly logStore: LogStore,
    private readonly forwarder: OtlpForwarder | undefined,
    private readonly json: WriteStream | undefined,
  ) {}

  static async start(options: UpCollectorOptions): Promise<UpCollector> {
    const receiver = await OtlpTraceReceiver.start({ maxSpans: 0 });
    const loki = await LokiPushReceiver.start({ maxLines: 0 });
    const collector = new UpCollector(
      receiver,
      loki,
      new TraceAssembler({ onTrace: options.onTrace, quietMs: TRACE_QUIET_MS }),
      new TraceStore(QUERY_MAX_SPANS),
      new LogStore(QUERY_MAX_LINES),
      options.otlpUrl ? startOtlpForwarder(options.otlpUrl) : undefined,
      options.json,
    );
    receiver.onSpans((spans) => collector.take(spans, options.tally));
    loki.onLines((lines) => {
      collector.lines += lines.length;
      collector.logStore.add(lines);
    });
    return collector;
  }

  get otlpEndpoint(): string {
    return this.receiver.endpoint;
  }

  get lokiEndpoint(): string {
    return this.loki.endpoint;
  }

  /** Log lines pushed to the Loki receiver so far. */
  get logLines(): number {
    return this.lines;
  }

  /**
   * Serves what was received in Tempo's and Loki's query formats, so `thespian verify --embedded`
   * (or curl) can read traces back as from a real backend. A busy port costs only this.
   */
  async serveQueries(topology: Topology, requested: { port?: number | null; freePorts?: boolean }, say: (line: string) => void): Promise<void> {
    if (requested.port === null) return;
    const port = requested.port ?? (requested.freePorts ? 0 : defaultQueryPort(topology.basePort, topology.services.map((service) => service.port)));
    try {
      this.query = await QueryApiServer.start({ traces: this.traceStore, logs: this.logStore, port });
      say(`query: ${this.query.url} (Tempo /api/traces/<id>, Loki /loki/api/v1/query_range) for \`thespian verify --embedded\``);
    } catch (error) {
      say(`query: no query API: port ${port} ${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'is in use' : `failed (${(error as Error).message})`}; choose another with --query-port`);
    }
  }

  /**
   * Once the services have exited: each exported its last spans before exiting, and the receiver
   * took each export in full before answering it, so every span is here and every open trace can
   * be handed over now.
   */
  handOverEveryTrace(): void {
    this.assembler.stop();
    this.assembler.flush();
  }

  /** Closes the receivers, the query API and the --json file; the forwarder gets `forwardFlushMs` to send what it holds. */
  async close(forwardFlushMs: number): Promise<void> {
    await Promise.all([this.receiver.close(), this.loki.close(), this.query?.close(), this.forwarder?.shutdown(forwardFlushMs), closeStream(this.json)]);
  }

  private take(spans: ReceivedSpan[], tally: TraceTally): void {
    tally.countSpans(spans);
    this.traceStore.add(spans);
    if (this.json) this.json.write(spans.map(spanJsonLine).join('\n') + '\n');
    this.forwarder?.forward(spans);
    this.assembler.add(spans);
  }
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => stream.end(resolve));
}
