import LokiTransport from 'winston-loki';

type LokiOptions = ConstructorParameters<typeof LokiTransport>[0];

interface PendingBatch {
  streams: { entries: unknown[] }[];
}

/**
 * winston-loki's batch has no size limit, and while Loki is down it waits 60 s between tries,
 * so a busy instance would grow without bound. This transport drops new lines once `maxPending`
 * are waiting, counts them, and reports the loss in the next line that gets through.
 */
export class BoundedLokiTransport extends LokiTransport {
  private dropped = 0;

  constructor(
    options: LokiOptions,
    private readonly maxPending: number,
  ) {
    super(options);
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    if (this.pendingLines() >= this.maxPending) {
      this.dropped++;
      callback();
      return;
    }
    if (this.dropped > 0) {
      info.loki_lines_dropped = this.dropped;
      this.dropped = 0;
    }
    super.log!(info, callback);
  }

  private pendingLines(): number {
    const batch = (this as unknown as { batcher: { batch: PendingBatch } }).batcher.batch;
    let count = 0;
    for (const stream of batch.streams) count += stream.entries.length;
    return count;
  }
}
