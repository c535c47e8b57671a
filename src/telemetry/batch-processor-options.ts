import type { BatchSettings } from '../config';

/** The checked OTEL_BSP_* or OTEL_BLRP_* settings in the words the SDK's batch processors take them. */
export function batchProcessorOptions(batching: BatchSettings): { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number } {
  return {
    maxQueueSize: batching.maxQueueSize,
    maxExportBatchSize: batching.maxExportBatchSize,
    scheduledDelayMillis: batching.scheduledDelayMs,
    exportTimeoutMillis: batching.exportTimeoutMs,
  };
}
