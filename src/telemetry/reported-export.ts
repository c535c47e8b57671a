import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { DeliveryReporter } from './delivery-reporter';

/**
 * Runs one export and tells the reporter how it went, once, whether the exporter answers through
 * its callback or throws: the SDK hands a failed export only to the global error handler, which
 * logs nothing unless OTEL_LOG_LEVEL is set, so a dead or black-holed endpoint was silent.
 */
export function reportedExport(
  reporter: DeliveryReporter,
  count: number,
  run: (settle: (result: ExportResult) => void) => void,
  resultCallback: (result: ExportResult) => void,
): void {
  let settled = false;
  const settle = (result: ExportResult) => {
    if (settled) return;
    settled = true;
    if (result.code === ExportResultCode.SUCCESS) reporter.succeeded(count);
    else reporter.failedBatch(count, result.error ?? new Error('export failed'));
    resultCallback(result);
  };
  try {
    run(settle);
  } catch (error) {
    settle({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
  }
}
