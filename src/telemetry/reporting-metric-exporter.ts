import type { ExportResult } from '@opentelemetry/core';
import type { AggregationOption, AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { DeliveryReporter } from './delivery-reporter';
import { reportedExport } from './reported-export';

/**
 * Passes each collection to the real exporter and tells the reporter how it went, counted in data
 * points (see reportedExport). The exporter's own temporality and aggregation choices are kept.
 */
export class ReportingMetricExporter implements PushMetricExporter {
  // Present only where the inner exporter has them: the reader falls back to its defaults otherwise.
  readonly selectAggregationTemporality?: (instrumentType: InstrumentType) => AggregationTemporality;
  readonly selectAggregation?: (instrumentType: InstrumentType) => AggregationOption;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly reporter: DeliveryReporter,
  ) {
    this.selectAggregationTemporality = inner.selectAggregationTemporality?.bind(inner);
    this.selectAggregation = inner.selectAggregation?.bind(inner);
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    reportedExport(this.reporter, dataPoints(metrics), (settle) => this.inner.export(metrics, settle), resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function dataPoints(metrics: ResourceMetrics): number {
  let count = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) count += metric.dataPoints.length;
  return count;
}
