import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED } from './sdk-self-metric-names';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import winston from 'winston';
import type { BatchSettings, InstanceSettings } from '../config';
import { batchProcessorOptions } from './batch-processor-options';
import { addressForLogs } from './address-for-logs';
import { CountingLogRecordProcessor } from './counting-log-record-processor';
import type { DeliveryTally } from './delivery-metrics';
import { DeliveryReporter } from './delivery-reporter';
import { queueFullMeterProvider } from './queue-full-meter';
import { ReportingBatchExporter } from './reporting-batch-exporter';
import { instanceResource } from './instance-resource';
import { withDeadline } from './with-deadline';

/** What became of the OTLP log records so far; `created` is every record handed to the SDK. */
export interface OtlpLogTally extends DeliveryTally {
  readonly created: number;
}

/**
 * Our lines' timestamp is the stdout line's, a string; the record has its own time fields, so the
 * string is not sent again as an attribute.
 */
const withoutTimestamp = winston.format((info) => {
  delete info.timestamp;
  return info;
});

/**
 * The logger's lines as OpenTelemetry log records (OTEL_LOGS_EXPORTER): winston →
 * @opentelemetry/winston-transport → our LoggerProvider → OTLP/gRPC (and/or the console).
 *
 * The transport takes its logger from the global logs API of @opentelemetry/api-logs (not the
 * one in @opentelemetry/api 1.10, where NodeSDK registers its own, empty, provider), so our
 * provider is registered there, before the transport is made. Our own provider rather than
 * NodeSDK's, for the same reason as metrics: shutdown flushes it after the `stopped` line.
 *
 * Only the OTLP exporter is accounted for (it is the one that can lose records): a reporter says
 * when its exports fail or recover, and counts for the `stopped` line and the otel.sdk.* metrics.
 */
export class OtlpLogExport {
  private constructor(
    readonly transport: OpenTelemetryTransportV3,
    private readonly provider: LoggerProvider,
    private readonly otlp: { readonly reporter: DeliveryReporter; readonly counting: CountingLogRecordProcessor } | undefined,
  ) {}

  /** Undefined when OTEL_LOGS_EXPORTER names no exporter (the default). */
  static start(settings: Pick<InstanceSettings, 'serviceName' | 'logs' | 'serviceInstanceId'>): OtlpLogExport | undefined {
    const { exporters, otlpEndpoint, otlpTimeoutMs, batching } = settings.logs;
    if (exporters.length === 0) return undefined;
    const processors: LogRecordProcessor[] = [];
    let otlp: { reporter: DeliveryReporter; counting: CountingLogRecordProcessor } | undefined;
    if (exporters.includes('otlp')) {
      const reporter = new DeliveryReporter({
        delivery: 'OTLP log export',
        target: addressForLogs(otlpEndpoint),
        unit: 'log records',
        queueFullHint: `raise OTEL_BLRP_MAX_QUEUE_SIZE (now ${batching.maxQueueSize}) and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`,
      });
      const exporter = new OTLPLogExporter({ url: otlpEndpoint, timeoutMillis: otlpTimeoutMs });
      otlp = { reporter, counting: new CountingLogRecordProcessor(otlpProcessor(exporter, batching, reporter)) };
      processors.push(otlp.counting);
    }
    if (exporters.includes('console')) processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    const provider = new LoggerProvider({ resource: instanceResource(settings.serviceName, settings.serviceInstanceId), processors });
    // The global takes one provider and ignores the next; the transport keeps the logger it gets
    // when made, so each service packed into one process (src/pack/) registers its own in turn.
    logs.disable();
    logs.setGlobalLoggerProvider(provider);
    return new OtlpLogExport(new OpenTelemetryTransportV3({ format: withoutTimestamp() }), provider, otlp);
  }

  /** Where export failures are said; undefined without the OTLP exporter. */
  get reporter(): DeliveryReporter | undefined {
    return this.otlp?.reporter;
  }

  /** Exports what is queued; waits at most `deadlineMs`. */
  async flush(deadlineMs: number): Promise<void> {
    await withDeadline(this.provider.forceFlush(), Math.max(0, deadlineMs), undefined);
  }

  /** After the `stopped` line: exports it and what else is left, then stops, within `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    // winston hands a line to its transports through a stream, not always in the same turn.
    await new Promise((resolve) => setImmediate(resolve));
    await withDeadline(this.provider.shutdown(), Math.max(0, deadlineMs), undefined);
  }

  tally(): OtlpLogTally | undefined {
    if (!this.otlp) return undefined;
    return { ...this.otlp.reporter.counts(), created: this.otlp.counting.emittedRecords() };
  }

  /** What became of the OTLP log records, for the `stopped` line; empty without the OTLP exporter. */
  deliveryFields(): Record<string, number> {
    const tally = this.tally();
    if (!tally) return {};
    const { created, delivered, failed, queueFull } = tally;
    return {
      otlp_log_records_exported: delivered,
      otlp_log_records_dropped_queue_full: queueFull,
      otlp_log_records_dropped_export_failed: failed,
      // Emitted but never exported, failed or dropped: still queued or on the way at the deadline.
      otlp_log_records_dropped_at_shutdown: Math.max(0, created - delivered - failed - queueFull),
    };
  }
}

/**
 * The batch processor in front of the OTLP/gRPC exporter, with OTEL_BLRP_* as config/ checked them
 * (the SDK reads them only through NodeSDK, whose log processors we do not use), its exports and
 * queue-full drops told to `reporter`.
 */
function otlpProcessor(exporter: OTLPLogExporter, batching: BatchSettings, reporter: DeliveryReporter): BatchLogRecordProcessor {
  return new BatchLogRecordProcessor({
    exporter: new ReportingBatchExporter<ReadableLogRecord>(exporter, reporter),
    ...batchProcessorOptions(batching),
    selfObsMeterProvider: queueFullMeterProvider(METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED, (count) => reporter.droppedQueueFull(count)),
  });
}
