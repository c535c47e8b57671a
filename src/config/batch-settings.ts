import { readStandardNumber, type Env } from './standard-number';

/** A batch processor's settings (spans: OTEL_BSP_*, log records: OTEL_BLRP_*), checked. */
export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

/** Which variables a processor is tuned by, and the SDK's defaults for it. */
interface BatchVariables {
  readonly prefix: 'OTEL_BSP' | 'OTEL_BLRP';
  readonly defaults: BatchSettings;
}

/**
 * BatchSpanProcessorBase's defaults in sdk-trace 3.0.0 (5 s delay, 30 s timeout) but for the queue
 * and the batch. The SDK sends one batch at a time, so it exports at most a batch per round trip
 * to the receiver, and meanwhile the queue must hold what the instance makes. With the SDK's 2048
 * and 512, an instance under h2load (about 2,200 requests a second, three spans each, on a busy
 * machine) lost 29% of its spans, the receiver being slow to answer (bench/instance.ts). A queue
 * of 32768 holds seconds of such a load, and batches of 2048 (a few hundred KB of OTLP, well
 * below gRPC's 4 MB message limit) carry four times as much per round trip. Memory is spent only
 * while spans wait; `thespian up` has always set these two.
 */
export const SPAN_BATCHING: BatchVariables = {
  prefix: 'OTEL_BSP',
  defaults: { maxQueueSize: 32_768, maxExportBatchSize: 2048, scheduledDelayMs: 5000, exportTimeoutMs: 30_000 },
};

/** BatchLogRecordProcessorBase's defaults in sdk-logs 3.0.0: the same but for a 1 s delay. */
export const LOG_BATCHING: BatchVariables = {
  prefix: 'OTEL_BLRP',
  defaults: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 1000, exportTimeoutMs: 30_000 },
};

/**
 * Left to itself the SDK takes any number (1.5, 1e9) and falls back without a word on the rest;
 * here each value must be a whole number, and an invalid one is named and replaced by the default.
 */
export function readBatchSettings(env: Env, { prefix, defaults }: BatchVariables, warnings: string[]): BatchSettings {
  const queueName = `${prefix}_MAX_QUEUE_SIZE`;
  const batchName = `${prefix}_MAX_EXPORT_BATCH_SIZE`;
  const maxQueueSize = readStandardNumber(env, queueName, defaults.maxQueueSize, 1, warnings);
  const warningsBefore = warnings.length;
  let maxExportBatchSize = readStandardNumber(env, batchName, defaults.maxExportBatchSize, 1, warnings);
  const batchSizeGiven = Boolean(env[batchName]?.trim()) && warnings.length === warningsBefore;
  if (maxExportBatchSize > maxQueueSize) {
    // A batch cannot be larger than the queue it is taken from; the SDK clamps it the same way.
    // Only a valid size the user gave is worth a warning (an invalid one has had its own): a small
    // queue with the default batch size is a fine setting.
    if (batchSizeGiven) {
      warnings.push(`${batchName}: must not exceed ${queueName} (${maxQueueSize}) (got ${JSON.stringify(env[batchName])}); using ${maxQueueSize}`);
    }
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: readStandardNumber(env, `${prefix}_SCHEDULE_DELAY`, defaults.scheduledDelayMs, 0, warnings),
    exportTimeoutMs: readStandardNumber(env, `${prefix}_EXPORT_TIMEOUT`, defaults.exportTimeoutMs, 1, warnings),
  };
}
