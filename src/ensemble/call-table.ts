import { formatMs } from '../common';
import { rfc3339Nanos, type QuantileBucket, type ReceivedMetricPoint } from '../collector';
import { ServiceCalls, type CallFigures, type CallTotals } from './service-calls';

/** The live figures cover about this much time: steadier than one export's second at a few requests a second, and still live. */
const WINDOW_MS = 5_000;
/** Rows of the live table at most; the final summary lists every service. */
const MAX_LIVE_ROWS = 10;
/** A service name longer than this is cut in the table. */
const MAX_NAME_WIDTH = 20;

/** A quantile's bucket in milliseconds, for JSON: above `above_ms`, at most `at_most_ms` (null: above the last bound). */
export interface QuantileJson {
  readonly above_ms: number;
  readonly at_most_ms: number | null;
}

/** Per service in --summary-json: its calls as its rpc.server.call.duration counted them (all of them, after the last export at shutdown). */
export interface ServiceCallsJson {
  readonly requests: number;
  readonly failed: number;
  readonly errorRate: number | null;
  readonly p50: QuantileJson | null;
  readonly p99: QuantileJson | null;
  readonly byMethod: CallTotals['byMethod'];
}

/**
 * The services' own account of the calls they served, from the rpc.server.call.duration
 * histograms they export to the embedded collector: the live table (rate, error rate, p50, p99
 * of the last few seconds), a --json line per service per export, and the final figures.
 */
export class CallTable {
  private readonly services = new Map<string, ServiceCalls>();

  constructor(private readonly names: readonly string[]) {
    for (const name of names) this.services.set(name, new ServiceCalls(BigInt(WINDOW_MS) * 1_000_000n));
  }

  /** One export's points; a --json line for each topology service whose call durations it held. */
  take(points: readonly ReceivedMetricPoint[]): string[] {
    const byService = new Map<string, ReceivedMetricPoint[]>();
    for (const point of points) {
      // Only the topology's services: the table has a row for each, and nothing else can grow it.
      if (!this.services.has(point.service)) continue;
      const ofService = byService.get(point.service);
      if (ofService) ofService.push(point);
      else byService.set(point.service, [point]);
    }
    const lines: string[] = [];
    for (const [service, ofService] of byService) {
      const calls = this.services.get(service)!;
      const totals = calls.take(ofService);
      if (totals) lines.push(metricsJsonLine(service, totals, calls.window()!));
    }
    return lines;
  }

  /** The live table: the last few seconds of each service (the first MAX_LIVE_ROWS). */
  liveLines(): string[] {
    const shown = this.names.slice(0, MAX_LIVE_ROWS);
    const rows = tableLines(`last ${WINDOW_MS / 1000} s`, shown.map((name) => [name, this.services.get(name)!.window()]));
    const more = this.names.length - shown.length;
    return more > 0 ? [...rows, `  … and ${more} more services (all in the final summary)`] : rows;
  }

  /** The final table: every call each service reported; the rate over `seconds`, the time traffic was sent. */
  summaryLines(seconds: number): string[] {
    return tableLines(
      'whole run',
      this.names.map((name) => {
        const total = this.services.get(name)!.total();
        return [name, total && { ...total, seconds, ...(seconds > 0 ? { ratePerS: total.requests / seconds } : {}) }];
      }),
    );
  }

  /** The final figures of `service` for --summary-json; null if it exported no call durations. */
  summaryJson(service: string): ServiceCallsJson | null {
    const calls = this.services.get(service);
    const total = calls?.total();
    if (!calls?.latest || !total) return null;
    return {
      requests: total.requests,
      failed: total.failed,
      errorRate: total.errorRate ?? null,
      p50: quantileJson(total.p50),
      p99: quantileJson(total.p99),
      byMethod: calls.latest.byMethod,
    };
  }
}

/**
 * `up --json`'s line for one export of one service, told apart from span lines by its `type`.
 * Totals are cumulative (since the service started); `window` is the last few seconds, as the
 * live table shows them.
 */
function metricsJsonLine(service: string, totals: CallTotals, window: CallFigures): string {
  return JSON.stringify({
    type: 'rpc_metrics',
    service,
    time: rfc3339Nanos(totals.timeNs),
    requests: totals.requests,
    failed: totals.failed,
    by_method: totals.byMethod,
    duration_buckets: { bounds_ms: totals.bounds.map(toMs), counts: totals.buckets },
    window: {
      seconds: window.seconds,
      requests: window.requests,
      failed: window.failed,
      rate_per_s: window.ratePerS ?? null,
      error_rate: window.errorRate ?? null,
      p50: quantileJson(window.p50),
      p99: quantileJson(window.p99),
    },
  });
}

function quantileJson(bucket: QuantileBucket | undefined): QuantileJson | null {
  return bucket ? { above_ms: toMs(bucket.above), at_most_ms: bucket.atMost === null ? null : toMs(bucket.atMost) } : null;
}

/** Seconds to milliseconds without float noise (0.025 s → 25, not 25.000000000000004). */
function toMs(seconds: number): number {
  return Number((seconds * 1000).toPrecision(12));
}

/** Under 80 columns: a header (its first cell says what time the figures cover), then one row per service; "-" where a figure is not known yet. */
function tableLines(title: string, rows: readonly (readonly [string, CallFigures | undefined])[]): string[] {
  const width = Math.min(MAX_NAME_WIDTH, Math.max(title.length, ...rows.map(([name]) => name.length)));
  const cells = (name: string, ...figures: string[]) =>
    `  ${name.padEnd(width)}${figures.map((figure, i) => figure.padStart([8, 8, 8, 9, 9][i])).join('')}`;
  return [
    cells(title, 'calls', 'req/s', 'err', 'p50', 'p99'),
    ...rows.map(([name, figures]) =>
      cells(
        name.length > width ? `${name.slice(0, width - 1)}…` : name,
        figures ? String(figures.requests) : '-',
        figures?.ratePerS === undefined ? '-' : figures.ratePerS.toFixed(1),
        figures?.errorRate === undefined ? '-' : `${(figures.errorRate * 100).toFixed(1)}%`,
        quantileText(figures?.p50),
        quantileText(figures?.p99),
      ),
    ),
  ];
}

/** "≤25ms": the bucket's upper bound, all the histogram can say; ">10.0s" above the last bound. */
function quantileText(bucket: QuantileBucket | undefined): string {
  if (!bucket) return '-';
  return bucket.atMost === null ? `>${formatMs(bucket.above * 1000)}` : `≤${formatMs(bucket.atMost * 1000)}`;
}
