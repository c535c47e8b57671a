import type { Histogram } from 'hdr-histogram-js';

/** The percentiles every latency report shows, in milliseconds. */
export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

/**
 * Latencies recorded in an HDR histogram (hdr-histogram-js, pure-JS mode: no WebAssembly to
 * initialise). Values are kept in whole microseconds with 3 significant digits, so a
 * percentile is within 0.1% of the true value at any scale; memory stays a few tens of KB
 * however many requests are recorded.
 */
export class LatencyHistogram {
  // Required here, not imported above: it takes tens of ms to load, and every command imports traffic/.
  private readonly histogram: Histogram = (require('hdr-histogram-js') as typeof import('hdr-histogram-js')).build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000, // grows past a minute if it must
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  recordMs(ms: number): void {
    this.histogram.recordValue(ms > 0 ? Math.round(ms * 1000) : 0);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Milliseconds at percentile `p` (0–100); 0 when empty. */
  percentileMs(p: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(p) / 1000;
  }

  maxMs(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.maxValue / 1000;
  }

  percentiles(): LatencyPercentiles {
    const max = this.maxMs();
    // A percentile reads the top of its bucket, which can lie just above the largest value
    // recorded; cap it so that p99.9 never shows above max.
    const at = (p: number) => Math.min(this.percentileMs(p), max);
    return { p50: at(50), p90: at(90), p99: at(99), p99_9: at(99.9), max };
  }

  reset(): void {
    this.histogram.reset();
  }
}
