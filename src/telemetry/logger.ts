import { context, trace } from '@opentelemetry/api';
import winston from 'winston';
import type { InstanceSettings } from '../config';
import { BoundedLokiTransport, type LokiDeliveryCounts } from './bounded-loki-transport';
import type { LogTallies } from './delivery-metrics';
import { OtlpLogExport } from './otlp-log-export';

/** Lines waiting for Loki beyond this are dropped (and counted) rather than held in memory. */
const MAX_PENDING_LOKI_LINES = 10_000;

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /**
   * Sends what is still queued for Loki and for OTLP and stops; waits at most `deadlineMs`. For an
   * instance that exits without having started (and so without a `stopped` line).
   */
  flush(deadlineMs: number): Promise<void>;
  /**
   * The last thing an instance logs: flushes Loki and the OTLP log records (at most `deadlineMs`
   * in all), then writes the `stopped` line with `fields` (the span counts) and what became of the
   * lines meant for Loki and OTLP, and tries to get that line to both in the time left.
   */
  stop(deadlineMs: number, fields: Record<string, unknown>): Promise<void>;
  /** What became of the lines meant for Loki and the OTLP log records so far. */
  logTallies(): LogTallies;
}

/**
 * Where @opentelemetry/winston-transport looks for the context a line was logged in (the key its
 * sibling, instrumentation-winston, sets); without it, the SDK reads the context active when the
 * transport emits. Today winston hands each line on in the same turn, but its stream buffers
 * whenever a transport is slow, and then another request's context would be active: given the
 * context read here, a record's ids are the stdout line's by construction.
 */
const OTEL_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context');

/** npm's levels, as winston has them: a line is written when its level is at most the configured one. */
const LEVEL_RANKS: Record<string, number> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 };

type LineLevel = 'info' | 'warn' | 'error' | 'debug';
/** A line as winston's transports take it: its fields, and under symbols the made JSON and the context. */
type Line = winston.Logform.TransformableInfo;

const MESSAGE = Symbol.for('message');
const cycleSafeJson = winston.format.json();

/**
 * One line's fields, in the order winston gave them (service_name, the caller's fields, level,
 * message, the span's ids, the timestamp), so that the lines read as they always have. With
 * `keepContext`, the active context too, which the OTLP log record takes its trace_id and span_id from.
 */
function lineFields(level: LineLevel, message: string, fields: Record<string, unknown> | undefined, serviceName: string, keepContext: boolean): Line {
  const line: Line = { service_name: serviceName, ...fields, level, message };
  // What winston did with these field names, kept so that no line changes.
  if (fields?.message) line.message = `${message} ${String(fields.message)}`;
  const active = context.active();
  const spanContext = trace.getSpanContext(active);
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    line.trace_id = spanContext.traceId;
    line.span_id = spanContext.spanId;
  }
  line.timestamp = new Date().toISOString();
  if (keepContext) line[OTEL_CONTEXT] = active;
  return line;
}

/**
 * The line as JSON. Plain JSON.stringify: our fields are plain values, and the cycle-safe
 * stringify of winston's json format cost several times as much per line. That one still takes
 * any line plain JSON cannot write (a BigInt, a cycle), so no log call can throw.
 */
function jsonLine(line: Line): string {
  try {
    return JSON.stringify(line);
  } catch {
    const made = cycleSafeJson.transform({ ...line }, cycleSafeJson.options) as Line;
    return String(made[MESSAGE]);
  }
}

/**
 * Lines logged in one event-loop turn leave in one write: a system call per line was a tenth of
 * a busy instance's CPU. Not held longer (a timer of a few ms would save more writes), because a
 * line about a request must be out by the time its answer is: whoever called reads the log next.
 * Whatever is still held is written when the process exits. One per stream, shared by every
 * logger of the process (services packed into one share stdout), so a turn is one write however
 * many services logged in it.
 */
const batchersByStream = new WeakMap<NodeJS.WriteStream, () => void>();
function batchWritesPerTurn(stream: NodeJS.WriteStream): () => void {
  let batcher = batchersByStream.get(stream);
  if (batcher) return batcher;
  let corked = false;
  process.once('exit', () => {
    if (corked) stream.uncork();
  });
  batcher = () => {
    if (corked) return;
    corked = true;
    stream.cork();
    setImmediate(() => {
      corked = false;
      stream.uncork();
    });
  };
  batchersByStream.set(stream, batcher);
  return batcher;
}

/**
 * Whether stdout still takes lines. Whoever read it may go (a closed pipe: EPIPE); that must not
 * take the instance down with an unhandled error: every logger of the process stops writing there
 * and carries on, and Loki and OTLP, if set, still get every line. One listener for the process,
 * however many loggers it has.
 */
const stdout = { open: true, watched: false };
function watchStdout(): void {
  if (stdout.watched) return;
  stdout.watched = true;
  process.stdout.on('error', () => {
    stdout.open = false;
  });
}

/**
 * Where the lines go besides stdout: Loki and the OTLP log records, through their winston
 * transports. The line arrives made (fields, timestamp and JSON), so every destination gets the
 * same line and it is made once; undefined when there is neither, and then winston is not on a
 * line's way at all (its streams and the Console transport cost more than making the line).
 */
function otherDestinations(transports: winston.transport[], level: string): winston.Logger | undefined {
  if (transports.length === 0) return undefined;
  return winston.createLogger({ level, format: winston.format((info) => info)(), transports });
}

/**
 * JSON lines on stdout, to Loki when LOKI_ADDRESS is set, and as OTLP log records when
 * OTEL_LOGS_EXPORTER says. Loki gets two low-cardinality labels (service_name, level); trace ids
 * stay in the line, where Loki can filter on them without creating a stream per trace.
 */
export function createLogger(settings: Pick<InstanceSettings, 'serviceName' | 'logLevel' | 'lokiAddress' | 'logs' | 'serviceInstanceId'>): Logger {
  const loki = settings.lokiAddress ? lokiTransport(settings.lokiAddress, settings.serviceName) : undefined;
  const otlp = OtlpLogExport.start(settings);
  const others = otherDestinations([...(loki ? [loki] : []), ...(otlp ? [otlp.transport] : [])], settings.logLevel);
  const threshold = LEVEL_RANKS[settings.logLevel] ?? LEVEL_RANKS.info;
  watchStdout();
  const holdLines = batchWritesPerTurn(process.stdout);
  const log = (level: LineLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_RANKS[level] > threshold) return;
    const line = lineFields(level, message, fields, settings.serviceName, otlp !== undefined);
    const json = jsonLine(line);
    if (stdout.open) {
      holdLines();
      process.stdout.write(`${json}\n`);
    }
    if (others) {
      line[MESSAGE] = json;
      others.log(line as winston.LogEntry);
    }
  };
  const instanceLogger: Logger = {
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    debug: (message, fields) => log('debug', message, fields),
    async flush(deadlineMs) {
      await Promise.all([loki?.stop(deadlineMs), otlp?.shutdown(deadlineMs)]);
    },
    stop: (deadlineMs, fields) => stopLogging({ loki, otlp, deadlineMs }, (stopped) => log('info', 'stopped', { ...fields, ...stopped })),
    logTallies: () => ({ loki: loki?.reporter.counts(), otlp: otlp?.tally() }),
  };
  // Loki's and OTLP's own failures are said in the log, which also goes to stdout: that is where a
  // user looks when the backend shows nothing.
  loki?.reporter.connect(instanceLogger);
  otlp?.reporter?.connect(instanceLogger);
  return instanceLogger;
}

/**
 * Flushes Loki and OTLP side by side (at most `deadlineMs` in all), writes the `stopped` line with
 * what became of their lines, then tries to get that line to both in the time left.
 */
async function stopLogging(
  { loki, otlp, deadlineMs }: { loki?: BoundedLokiTransport; otlp?: OtlpLogExport; deadlineMs: number },
  writeStopped: (fields: Record<string, number>) => void,
): Promise<void> {
  const started = Date.now();
  const [lokiCounts] = await Promise.all([loki?.stop(deadlineMs), otlp?.flush(deadlineMs)]);
  // The counts are final: what is still on its way is counted as undelivered at shutdown.
  loki?.reporter.quiet();
  otlp?.reporter?.quiet();
  writeStopped({ ...(lokiCounts ? lokiDeliveryFields(lokiCounts) : {}), ...otlp?.deliveryFields() });
  const left = deadlineMs - (Date.now() - started);
  await Promise.all([loki?.sendRemaining(left), otlp?.shutdown(left)]);
}

function lokiTransport(host: string, serviceName: string): BoundedLokiTransport {
  return new BoundedLokiTransport(
    {
      host,
      labels: { service_name: serviceName },
      json: true,
      format: winston.format.json(),
      batching: true,
      interval: 1,
      timeout: 3000,
      // Its own SIGTERM hook calls process.exit; our shutdown flushes it instead.
      gracefulShutdown: false,
      // A batch Loki refused is dropped, not retried forever in memory.
      clearOnError: true,
      // Each push's outcome is reported by the transport itself (a DeliveryReporter).
      onConnectionError: () => undefined,
    },
    MAX_PENDING_LOKI_LINES,
  );
}

/** What became of the lines meant for Loki, as the `stopped` line gives it. */
function lokiDeliveryFields(counts: LokiDeliveryCounts): Record<string, number> {
  return {
    loki_lines_sent: counts.sent,
    loki_lines_dropped_queue_full: counts.queueFull,
    loki_lines_dropped_push_failed: counts.pushFailed,
    loki_lines_dropped_at_shutdown: counts.notDeliveredAtShutdown,
  };
}
