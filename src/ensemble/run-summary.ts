import { formatMs } from '../collector';

/** Latencies kept for percentiles; beyond this a uniform sample of them is kept. */
const MAX_SAMPLES = 100_000;

/**
 * Running totals of a traffic run: requests, failures, latency percentiles. Memory stays bounded
 * on long runs: past MAX_SAMPLES latencies, reservoir sampling keeps a uniform sample.
 */
export class RunSummary {
  private okCount = 0;
  private failedCount = 0;
  private readonly samples: number[] = [];
  private seen = 0;
  private sorted: number[] | undefined;
  readonly failuresByCode = new Map<string, number>();

  record(outcome: { readonly code: string; readonly latencyMs: number }): void {
    if (outcome.code === 'OK') this.okCount++;
    else {
      this.failedCount++;
      this.failuresByCode.set(outcome.code, (this.failuresByCode.get(outcome.code) ?? 0) + 1);
    }
    this.seen++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(outcome.latencyMs);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < MAX_SAMPLES) this.samples[slot] = outcome.latencyMs;
    }
    this.sorted = undefined;
  }

  get answered(): number {
    return this.okCount + this.failedCount;
  }

  get ok(): number {
    return this.okCount;
  }

  get failed(): number {
    return this.failedCount;
  }

  /** Failed / answered, 0 when nothing answered yet. */
  get errorRate(): number {
    return this.answered === 0 ? 0 : this.failedCount / this.answered;
  }

  /** The p-th percentile latency in ms (p in 0..100), undefined before the first answer. */
  percentile(p: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    this.sorted ??= [...this.samples].sort((a, b) => a - b);
    const index = Math.min(this.sorted.length - 1, Math.max(0, Math.ceil((p / 100) * this.sorted.length) - 1));
    return this.sorted[index];
  }

  /** "12.0s  120 req 10.0/s  err 7.5%  p50 212ms  p99 540ms  1,234 spans": under 80 columns. */
  line(facts: { readonly elapsedMs: number; readonly sent: number; readonly spans: number; readonly inFlight: number }): string {
    const seconds = facts.elapsedMs / 1000;
    const rate = seconds > 0 ? facts.sent / seconds : 0;
    const p50 = this.percentile(50);
    const p99 = this.percentile(99);
    return [
      `${seconds.toFixed(1)}s`,
      `${facts.sent} req ${rate.toFixed(1)}/s`,
      `err ${(this.errorRate * 100).toFixed(1)}%`,
      `p50 ${p50 === undefined ? '-' : formatMs(p50)}`,
      `p99 ${p99 === undefined ? '-' : formatMs(p99)}`,
      `${facts.inFlight} in flight`,
      `${facts.spans.toLocaleString('en-US')} spans`,
    ].join('  ');
  }
}
