import { trace } from '@opentelemetry/api';
import winston from 'winston';
import type { InstanceSettings } from '../config';
import { BoundedLokiTransport, type LokiDeliveryCounts } from './bounded-loki-transport';
import type { DeliveryTally } from './delivery-metrics';

/** Lines waiting for Loki beyond this are dropped (and counted) rather than held in memory. */
const MAX_PENDING_LOKI_LINES = 10_000;

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /**
   * Sends what is still queued for Loki and stops pushing; waits at most `deadlineMs`. For an
   * instance that exits without having started (and so without a `stopped` line).
   */
  flush(deadlineMs: number): Promise<void>;
  /**
   * The last thing an instance logs: flushes Loki (at most `deadlineMs` in all), then writes the
   * `stopped` line with `fields` (the span counts) and what became of the lines meant for Loki,
   * and tries to get that line to Loki too in the time left.
   */
  stop(deadlineMs: number, fields: Record<string, unknown>): Promise<void>;
  /** What became of the lines meant for Loki so far; undefined without LOKI_ADDRESS. */
  lokiTally(): DeliveryTally | undefined;
}

/** Adds the active span's ids, so every line can be joined with its trace. */
const traceContext = winston.format((info) => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    info.trace_id = spanContext.traceId;
    info.span_id = spanContext.spanId;
  }
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
 * a busy instance's CPU. Whatever is still held is written when the process exits.
 */
function batchWritesPerTurn(stream: NodeJS.WriteStream): () => void {
  let corked = false;
  process.once('exit', () => {
    if (corked) stream.uncork();
  });
  return () => {
    if (corked) return;
    corked = true;
    stream.cork();
    setImmediate(() => {
      corked = false;
      stream.uncork();
    });
  };
}

/**
 * JSON lines on stdout, and to Loki when LOKI_ADDRESS is set. Loki gets two low-cardinality
 * labels (service_name, level); trace ids stay in the line, where Loki can filter on them
 * without creating a stream per trace.
 */
export function createLogger(settings: Pick<InstanceSettings, 'serviceName' | 'logLevel' | 'lokiAddress'>): Logger {
  const stdout = new winston.transports.Console();
  const loki = settings.lokiAddress ? lokiTransport(settings.lokiAddress, settings.serviceName) : undefined;
  const transports: winston.transport[] = loki ? [stdout, loki] : [stdout];
  const logger = winston.createLogger({
    level: settings.logLevel,
    defaultMeta: { service_name: settings.serviceName },
    format: winston.format.combine(traceContext(), jsonLine()),
    transports,
  });
  // Whoever read our stdout has gone (a closed pipe: EPIPE). That must not take the instance
  // down with an unhandled error: stop writing there and carry on; Loki, if set, still gets every line.
  process.stdout.on('error', () => {
    if (logger.transports.includes(stdout)) logger.remove(stdout);
  });
  const batchWrites = batchWritesPerTurn(process.stdout);
  const instanceLogger: Logger = {
    info: (message, fields) => (batchWrites(), logger.info(message, fields)),
    warn: (message, fields) => (batchWrites(), logger.warn(message, fields)),
    error: (message, fields) => (batchWrites(), logger.error(message, fields)),
    debug: (message, fields) => (batchWrites(), logger.debug(message, fields)),
    async flush(deadlineMs) {
      if (loki) await loki.stop(deadlineMs);
    },
    async stop(deadlineMs, fields) {
      const started = Date.now();
      const lokiFields = loki ? lokiDeliveryFields(await loki.stop(deadlineMs)) : {};
      // The counts are final: a push still on its way is counted as undelivered at shutdown.
      loki?.reporter.quiet();
      batchWrites();
      logger.info('stopped', { ...fields, ...lokiFields });
      if (loki) await loki.sendRemaining(deadlineMs - (Date.now() - started));
    },
    lokiTally: () => loki?.reporter.counts(),
  };
  // Loki's own failures are said in the log, which also goes to stdout: that is where a user looks
  // when Loki shows nothing.
  loki?.reporter.connect(instanceLogger);
  return instanceLogger;
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
