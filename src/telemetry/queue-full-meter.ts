import { createNoopMeter, type Attributes, type Counter, type Meter, type MeterProvider, type MetricOptions } from '@opentelemetry/api';

/** The SDK's self-observability counter, and the error.type it gives spans dropped for a full queue. */
const PROCESSED_SPANS_METRIC = 'otel.sdk.processor.span.processed';
const QUEUE_FULL = 'queue_full';

/**
 * A MeterProvider whose only live instrument hears the BatchSpanProcessor drop spans because its
 * queue is full. The processor has no other way of saying so (its own note goes to `diag.debug`),
 * and its `selfObsMeterProvider` option is the SDK's own seam for exactly this count, so we use it
 * rather than reaching into the processor's private queue. Every other instrument is a no-op.
 * (The option is marked experimental; the SDK version is pinned.)
 */
export function queueFullMeterProvider(onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop) as Meter;
  meter.createCounter = <A extends Attributes>(name: string, options?: MetricOptions): Counter<A> => {
    if (name !== PROCESSED_SPANS_METRIC) return noop.createCounter<A>(name, options);
    return {
      add(value: number, attributes?: A) {
        if (attributes?.['error.type'] === QUEUE_FULL) onDropped(value);
      },
    };
  };
  return { getMeter: () => meter };
}
