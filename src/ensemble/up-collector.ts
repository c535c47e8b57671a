import type { WriteStream } from 'node:fs';
import {
  defaultQueryPort,
  logLineOfRecord,
  LogStore,
  LokiPushReceiver,
  OtlpTraceReceiver,
  QueryApiServer,
  spanJsonLine,
  startOtlpForwarder,
  TraceAssembler,
  TraceStore,
  type AssembledTrace,
  type ForwardedCounts,
  type OtlpForwarder,
  type OtlpSignal,
  type ReceivedSpan,
} from '../collector';
import type { Topology } from '../topology';
import { CallTable } from './call-table';
import type { TraceTally } from './trace-tally';

interface UpCollectorOptions {
  readonly tally: TraceTally;
  /** A trace handed over by the assembler (complete, or at the end of the run). */
  readonly onTrace: (trace: AssembledTrace) => void;
  /** Every received span, and the services' call figures at each metrics export, as JSON lines (--json). */
  readonly json: WriteStream | undefined;
  /** Also send everything received over OTLP to this OTLP/gRPC backend (--otlp). */
  readonly otlpUrl: string | undefined;
  /** Said once when forwarding to otlpUrl first fails. */
  readonly say: (line: string) => void;
  /** The services whose calls the table shows, in its order. */
  readonly services: readonly string[];
}

/** Log lines received, by the way they came. */
export interface ReceivedLogCounts {
  loki: number;
  otlp: number;
}

/** A trace is complete once its root has arrived and no span of it came for this long. */
const TRACE_QUIET_MS = 1_000;
/** What the query API keeps for looking back: about a minute and a half of a busy run. */
const QUERY_MAX_SPANS = 200_000;
const QUERY_MAX_LINES = 200_000;

/**
 * What `thespian up` runs in place of a telemetry backend: the OTLP receiver (traces, metrics and
 * logs on one port) and the Loki receiver the services report to, and everything each received
 * item goes on to: spans to the tally, the trace store, the --json file and the trace assembler;
 * metrics to the call table (and --json); log lines, however they came, to the log store behind
 * the query API; and every OTLP request, as it came, to the --otlp forwarder.
 */
export class UpCollector {
  private readonly logCounts: ReceivedLogCounts = { loki: 0, otlp: 0 };
  private query: QueryApiServer | undefined;

  private constructor(
    private readonly receiver: OtlpTraceReceiver,
    private readonly loki: LokiPushReceiver,
    readonly assembler: TraceAssembler,
    private readonly traceStore: TraceStore,
    private readonly logStore: LogStore,
    private readonly forwarder: OtlpForwarder | undefined,
    private readonly json: WriteStream | undefined,
    readonly calls: CallTable,
  ) {}

  static async start(options: UpCollectorOptions): Promise<UpCollector> {
    // Nothing is kept in the receivers themselves: each item goes on to the bounded stores here.
    const receiver = await OtlpTraceReceiver.start({ maxSpans: 0, metricsAndLogs: true, maxMetricPoints: 0, maxLogRecords: 0 });
    const loki = await LokiPushReceiver.start({ maxLines: 0 });
    const collector = new UpCollector(
      receiver,
      loki,
      new TraceAssembler({ onTrace: options.onTrace, quietMs: TRACE_QUIET_MS }),
      new TraceStore(QUERY_MAX_SPANS),
      new LogStore(QUERY_MAX_LINES),
      options.otlpUrl ? startOtlpForwarder(options.otlpUrl, { onFirstFailure: options.say }) : undefined,
      options.json,
      new CallTable(options.services),
    );
    receiver.onSpans((spans) => collector.take(spans, options.tally));
    receiver.onMetrics((points) => collector.writeJson(collector.calls.take(points)));
    receiver.onLogs((records) => {
      collector.logCounts.otlp += records.length;
      collector.logStore.add(records.map(logLineOfRecord));
    });
    receiver.onExport((request) => collector.forwarder?.forward(request));
    loki.onLines((lines) => {
      collector.logCounts.loki += lines.length;
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

  /** Log lines received so far: pushed to the Loki receiver, and OTLP log records. */
  get logLines(): ReceivedLogCounts {
    return { ...this.logCounts };
  }

  /** What the --otlp forwarder did with each signal; undefined without --otlp. */
  forwarded(): Record<OtlpSignal, ForwardedCounts> | undefined {
    return this.forwarder?.counts();
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

  /**
   * Closes the receivers, the query API and the --json file; the forwarder gets `forwardFlushMs`
   * to send what it holds (after the receivers have closed, so it holds all there is).
   */
  async close(forwardFlushMs: number): Promise<void> {
    await Promise.all([this.receiver.close(), this.loki.close(), this.query?.close(), closeStream(this.json)]);
    await this.forwarder?.shutdown(forwardFlushMs);
  }

  private take(spans: ReceivedSpan[], tally: TraceTally): void {
    tally.countSpans(spans);
    this.traceStore.add(spans);
    this.writeJson(spans.map(spanJsonLine));
    this.assembler.add(spans);
  }

  private writeJson(lines: readonly string[]): void {
    if (this.json && lines.length > 0) this.json.write(lines.join('\n') + '\n');
  }
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => stream.end(resolve));
}
