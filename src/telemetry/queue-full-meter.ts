import { createNoopMeter, type Attributes, type Counter, type Meter, type MeterProvider, type MetricOptions } from '@opentelemetry/api';

/** The error.type the SDK's batch processors give items dropped for a full queue. */
const QUEUE_FULL = 'queue_full';

/**
 * A MeterProvider whose only live instrument hears a batch processor (of spans or of log records)
 * drop items because its queue is full: `processedMetric` is the processor's self-observability
 * counter (otel.sdk.processor.span.processed, otel.sdk.processor.log.processed). The processors
 * have no other way of saying so (their own note goes to `diag.debug`), and their
 * `selfObsMeterProvider` option is the SDK's own seam for exactly this count, so we use it rather
 * than reaching into a private queue. Every other instrument is a no-op.
 * (The option is marked experimental; the SDK versions are pinned.)
 */
export function queueFullMeterProvider(processedMetric: string, onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop) as Meter;
  meter.createCounter = <A extends Attributes>(name: string, options?: MetricOptions): Counter<A> => {
    if (name !== processedMetric) return noop.createCounter<A>(name, options);
    return {
      add(value: number, attributes?: A) {
        if (attributes?.['error.type'] === QUEUE_FULL) onDropped(value);
      },
    };
  };
  return { getMeter: () => meter };
}
