import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { PassThroughProcessor } from './pass-through-processor';

/**
 * Counts the log records emitted, then hands them on: like CountingSpanProcessor for spans, what
 * was emitted but neither exported, lost in a failed export nor dropped for a full queue was still
 * queued (or on its way) when the shutdown's deadline passed.
 */
export class CountingLogRecordProcessor extends PassThroughProcessor<LogRecordProcessor> implements LogRecordProcessor {
  private emitted = 0;

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.emitted++;
    this.inner.onEmit(logRecord, context);
  }

  /** Records emitted so far (each one is meant for export). */
  emittedRecords(): number {
    return this.emitted;
  }
}
