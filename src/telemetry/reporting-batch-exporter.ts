import type { ExportResult } from '@opentelemetry/core';
import type { DeliveryReporter } from './delivery-reporter';
import { reportedExport } from './reported-export';

/** What the SDK's span and log record exporters have in common: a batch of items per export. */
interface BatchExporter<Item> {
  export(items: Item[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Passes batches to the real exporter (of spans or of log records) and tells the reporter how
 * each one went, counted in items (see reportedExport).
 */
export class ReportingBatchExporter<Item> {
  constructor(
    private readonly inner: BatchExporter<Item>,
    private readonly reporter: DeliveryReporter,
  ) {}

  export(items: Item[], resultCallback: (result: ExportResult) => void): void {
    reportedExport(this.reporter, items.length, (settle) => this.inner.export(items, settle), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
