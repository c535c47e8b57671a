import LokiTransport from 'winston-loki';
import { addressForLogs } from './address-for-logs';
import { cappedResponseAgents } from './capped-response-agent';
import { DeliveryReporter } from './delivery-reporter';
import { withDeadline } from './with-deadline';

type LokiOptions = ConstructorParameters<typeof LokiTransport>[0];

interface PendingBatch {
  streams: { entries: unknown[] }[];
}

interface Batcher {
  batch: PendingBatch;
  circuitBreakerInterval: number;
  sendBatchToLoki(logEntry?: { entries: unknown[] }): Promise<void>;
}

/** Loki's answer to a push is a status and at most an error message: a few KB is plenty. */
const MAX_RESPONSE_BYTES = 16 * 1024;
/** One push, from connecting to the end of the answer; winston-loki's own `timeout` is only an idle one. */
const MAX_PUSH_MS = 3_000;
/**
 * After a failed push winston-loki waits its "circuit breaker" interval, a fixed minute, before
 * the next. While it waits, lines only queue (up to maxPending, then they are dropped), so one
 * refused push cost a busy instance a minute of logs, and its recovery was seen a minute late.
 * A few seconds keeps a dead Loki's cost at one small push per interval.
 */
const RETRY_AFTER_FAILED_PUSH_MS = 5_000;

export interface LokiDeliveryCounts {
  readonly sent: number;
  readonly queueFull: number;
  /** Loki refused the push (4xx/5xx), could not be reached, or did not answer in time. */
  readonly pushFailed: number;
  /** Still queued or on the way when the shutdown's deadline passed. */
  readonly notDeliveredAtShutdown: number;
}

/**
 * winston-loki with what it lacks:
 * - a cap on the lines waiting: its batch has no size limit, so while Loki is down a busy
 *   instance would grow without bound. New lines beyond `maxPending` are dropped and counted;
 * - a cap on Loki's answer and on the time one push may take (see capped-response-agent.ts);
 * - a short pause after a failed push (RETRY_AFTER_FAILED_PUSH_MS, not its fixed minute);
 * - delivery reporting: every push's outcome goes to a DeliveryReporter, which warns when pushes
 *   start failing and says when they recover, and counts for the `stopped` line.
 */
export class BoundedLokiTransport extends LokiTransport {
  readonly reporter: DeliveryReporter;
  private linesInFlight = 0;
  private stopping = false;

  constructor(
    options: LokiOptions,
    private readonly maxPending: number,
  ) {
    super({ ...options, ...cappedResponseAgents({ maxResponseBytes: MAX_RESPONSE_BYTES, maxPushMs: MAX_PUSH_MS }) });
    this.reporter = new DeliveryReporter({
      delivery: 'Loki push',
      target: addressForLogs(options.host),
      unit: 'log lines',
      queueFullHint: `at most ${maxPending} lines wait for Loki`,
    });
    this.countEveryPush();
    this.lokiBatcher().circuitBreakerInterval = RETRY_AFTER_FAILED_PUSH_MS;
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    if (this.queuedLines() >= this.maxPending) {
      this.reporter.droppedQueueFull(1);
      callback();
      return;
    }
    super.log!(info, callback);
  }

  /**
   * Stops the push loop and sends what is queued; waits at most `deadlineMs`. Then says what is
   * still undelivered. Lines logged afterwards can still be sent with `sendRemaining`.
   */
  async stop(deadlineMs: number): Promise<LokiDeliveryCounts> {
    if (!this.stopping) {
      this.stopping = true;
      await withDeadline(Promise.resolve(this.close()), deadlineMs, undefined);
    }
    const { delivered, failed, queueFull } = this.reporter.counts();
    return { sent: delivered, pushFailed: failed, queueFull, notDeliveredAtShutdown: this.queuedLines() + this.linesInFlight };
  }

  /** After stop(): one more push of whatever was logged since (the `stopped` line), within `deadlineMs`. */
  async sendRemaining(deadlineMs: number): Promise<void> {
    // winston hands a line to its transports through a stream, not always in the same turn.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.linesInFlight > 0 || this.queuedLines() === 0) return;
    await withDeadline(this.lokiBatcher().sendBatchToLoki(), Math.max(0, deadlineMs), undefined);
  }

  /**
   * Wraps the batcher's send so each push's outcome is known with its line count. The batch is
   * counted just before the original takes it (synchronously, at the start of its send), so the
   * count is exactly the lines in that push.
   */
  private countEveryPush(): void {
    const batcher = this.lokiBatcher();
    const send = batcher.sendBatchToLoki.bind(batcher);
    batcher.sendBatchToLoki = (logEntry) => {
      const lines = logEntry ? logEntry.entries.length : this.queuedLines();
      const sending = send(logEntry);
      if (lines > 0) {
        this.linesInFlight += lines;
        sending.then(
          () => {
            this.linesInFlight -= lines;
            this.reporter.succeeded(lines);
          },
          (error: unknown) => {
            this.linesInFlight -= lines;
            this.reporter.failedBatch(lines, error);
          },
        );
      }
      return sending;
    };
  }

  private queuedLines(): number {
    let count = 0;
    for (const stream of this.lokiBatcher().batch.streams) count += stream.entries.length;
    return count;
  }

  private lokiBatcher(): Batcher {
    return (this as unknown as { batcher: Batcher }).batcher;
  }
}
