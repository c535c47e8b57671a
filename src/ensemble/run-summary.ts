import { formatMs } from '../common';
import { LatencyHistogram, type RequestOutcome } from '../traffic';

/**
 * Running totals of the requests `up` sends: answers by status, latency percentiles, deadlines
 * passed. Latency counts from each request's actual send, in the traffic engine's HDR histogram
 * (within 0.1% at any scale, and a few tens of KB however long the run).
 */
export class RunSummary {
  private okCount = 0;
  private failedCount = 0;
  private pastDeadlineCount = 0;
  private readonly latency = new LatencyHistogram();
  readonly failuresByCode = new Map<string, number>();

  record(outcome: Pick<RequestOutcome, 'status' | 'serviceMs' | 'pastDeadline'>): void {
    if (outcome.status === 'OK') this.okCount++;
    else {
      this.failedCount++;
      this.failuresByCode.set(outcome.status, (this.failuresByCode.get(outcome.status) ?? 0) + 1);
    }
    if (outcome.pastDeadline) this.pastDeadlineCount++;
    this.latency.recordMs(outcome.serviceMs);
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

  /** Failed with DEADLINE_EXCEEDED because their own deadline passed. */
  get pastDeadline(): number {
    return this.pastDeadlineCount;
  }

  /** Failed / answered, 0 when nothing answered yet. */
  get errorRate(): number {
    return this.answered === 0 ? 0 : this.failedCount / this.answered;
  }

  /** Latency percentiles in ms; none before the first answer. */
  latencyMs(): { p50?: number; p90?: number; p99?: number; max?: number } {
    if (this.latency.count === 0) return {};
    const { p50, p90, p99, max } = this.latency.percentiles();
    return { p50, p90, p99, max };
  }

  /** "12.0s  120 req 10.0/s  err 7.5%  p50 212ms  p99 540ms  1,234 spans": under 80 columns. */
  line(facts: { readonly elapsedMs: number; readonly sent: number; readonly spans: number; readonly inFlight: number }): string {
    const seconds = facts.elapsedMs / 1000;
    const rate = seconds > 0 ? facts.sent / seconds : 0;
    const { p50, p99 } = this.latencyMs();
    return [
      `${seconds.toFixed(1)}s`,
      `${facts.sent} req ${rate.toFixed(1)}/s`,
      // Always one decimal, not formatPercent's precision: the redrawn line keeps its width.
      `err ${(this.errorRate * 100).toFixed(1)}%`,
      `p50 ${p50 === undefined ? '-' : formatMs(p50)}`,
      `p99 ${p99 === undefined ? '-' : formatMs(p99)}`,
      `${facts.inFlight} in flight`,
      `${facts.spans.toLocaleString('en-US')} spans`,
    ].join('  ');
  }
}
