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

/**
 * Adds the active span's ids, so every line can be joined with its trace; with `keepContext`, the
 * active context too, which the OTLP log record takes its trace_id and span_id from.
 */
const traceContext = winston.format((info, options: unknown) => {
  const active = context.active();
  const spanContext = trace.getSpanContext(active);
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    info.trace_id = spanContext.traceId;
    info.span_id = spanContext.spanId;
  }
  if ((options as { keepContext?: boolean }).keepContext) (info as Record<symbol, unknown>)[OTEL_CONTEXT] = active;
  return info;
});

const MESSAGE = Symbol.for('message');
const cycleSafeJson = winston.format.json();

/**
 * The line as JSON, with a timestamp. Plain JSON.stringify: our fields are plain values, and the
 * cycle-safe stringify of winston's json format cost several times as much per line. That one
 * still takes any line plain JSON cannot write (a BigInt, a cycle), so no log call can throw.
 */
const jsonLine = winston.format((info) => {
  info.timestamp = new Date().toISOString();
  try {
    info[MESSAGE] = JSON.stringify(info);
    return info;
  } catch {
    return cycleSafeJson.transform(info, cycleSafeJson.options);
  }
});

/**
 * Lines logged in one event-loop turn leave in one write: a system call per line was a tenth of
 * a busy instance's CPU. Whatever is still held is written when the process exits. One per
 * stream, shared by every logger of the process (services packed into one share stdout), so a
 * turn is one write however many services logged in it.
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

/** What each logger of the process writes to stdout with, removed from all of them by the one error listener below. */
const stdoutWriters = new Set<{ logger: winston.Logger; transport: winston.transport }>();
let listeningForStdoutErrors = false;

/**
 * Whoever read our stdout has gone (a closed pipe: EPIPE). That must not take the instance
 * down with an unhandled error: every logger stops writing there and carries on; Loki and OTLP,
 * if set, still get every line. One listener for the process, however many loggers it has.
 */
function stopWritingStdoutOnError(logger: winston.Logger, transport: winston.transport): void {
  if (!listeningForStdoutErrors) {
    listeningForStdoutErrors = true;
    process.stdout.on('error', () => {
      for (const writer of stdoutWriters) writer.logger.remove(writer.transport);
      stdoutWriters.clear();
    });
  }
  stdoutWriters.add({ logger, transport });
}

/**
 * JSON lines on stdout, to Loki when LOKI_ADDRESS is set, and as OTLP log records when
 * OTEL_LOGS_EXPORTER says. Loki gets two low-cardinality labels (service_name, level); trace ids
 * stay in the line, where Loki can filter on them without creating a stream per trace.
 */
export function createLogger(settings: Pick<InstanceSettings, 'serviceName' | 'logLevel' | 'lokiAddress' | 'logs' | 'serviceInstanceId'>): Logger {
  const stdout = new winston.transports.Console();
  const loki = settings.lokiAddress ? lokiTransport(settings.lokiAddress, settings.serviceName) : undefined;
  const otlp = OtlpLogExport.start(settings);
  const transports: winston.transport[] = [stdout, ...(loki ? [loki] : []), ...(otlp ? [otlp.transport] : [])];
  const logger = winston.createLogger({
    level: settings.logLevel,
    defaultMeta: { service_name: settings.serviceName },
    format: winston.format.combine(traceContext({ keepContext: otlp !== undefined }), jsonLine()),
    transports,
  });
  stopWritingStdoutOnError(logger, stdout);
  const batchWrites = batchWritesPerTurn(process.stdout);
  const instanceLogger: Logger = {
    info: (message, fields) => (batchWrites(), logger.info(message, fields)),
    warn: (message, fields) => (batchWrites(), logger.warn(message, fields)),
    error: (message, fields) => (batchWrites(), logger.error(message, fields)),
    debug: (message, fields) => (batchWrites(), logger.debug(message, fields)),
    async flush(deadlineMs) {
      await Promise.all([loki?.stop(deadlineMs), otlp?.shutdown(deadlineMs)]);
    },
    stop: (deadlineMs, fields) => stopLogging({ loki, otlp, deadlineMs }, (stopped) => (batchWrites(), logger.info('stopped', { ...fields, ...stopped }))),
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
