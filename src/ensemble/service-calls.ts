import { ATTR_RPC_METHOD, ATTR_RPC_STATUS_CODE, METRIC_RPC_SERVER_CALL_DURATION } from '@opentelemetry/semantic-conventions';
import { addCounts, bucketOfQuantile, type QuantileBucket, type ReceivedMetricPoint } from '../collector';

/** A service's incoming calls as one export told them: every series of its rpc.server.call.duration added up (cumulative). */
export interface CallTotals {
  readonly timeNs: bigint;
  readonly requests: number;
  readonly failed: number;
  /** The histogram's bucket bounds, in seconds, and the calls in each bucket. */
  readonly bounds: readonly number[];
  readonly buckets: readonly number[];
  /** rpc.method → rpc.status_code → calls. */
  readonly byMethod: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** What the table shows for a stretch of time: the calls in it and the figures drawn from them. */
export interface CallFigures {
  readonly requests: number;
  readonly failed: number;
  readonly seconds: number;
  /** Undefined when the stretch has no length or no calls. */
  readonly ratePerS?: number;
  readonly errorRate?: number;
  /** In seconds, as the histogram's bounds. */
  readonly p50?: QuantileBucket;
  readonly p99?: QuantileBucket;
}

/** A service cannot have more series than methods × status codes; anything past this is not ours and is not kept. */
const MAX_SERIES = 1_000;

/**
 * The rpc.server.call.duration of one service, kept as little as the table needs: the latest
 * point of each series (method × status), and the totals of the exports of the last window.
 * The live figures are the difference between the latest export and the one a window earlier
 * (cumulative → deltas); the final ones are the latest export's totals.
 */
export class ServiceCalls {
  private readonly series = new Map<string, ReceivedMetricPoint>();
  private readonly recent: CallTotals[] = [];
  private startNs: bigint | undefined;

  constructor(private readonly windowNs: bigint) {}

  get latest(): CallTotals | undefined {
    return this.recent[this.recent.length - 1];
  }

  /** One export's points of this service; the totals after it, or undefined if it held no call durations. */
  take(points: readonly ReceivedMetricPoint[]): CallTotals | undefined {
    let seen = false;
    for (const point of points) {
      if (point.metric !== METRIC_RPC_SERVER_CALL_DURATION || !point.histogram) continue;
      seen = true;
      const key = JSON.stringify(Object.entries(point.attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      const before = this.series.get(key);
      if (!before && this.series.size >= MAX_SERIES) continue;
      this.series.set(key, point.temporality === 'delta' && before ? withDelta(before, point) : point);
      if (this.startNs === undefined || point.startTimeUnixNano < this.startNs) this.startNs = point.startTimeUnixNano;
    }
    if (!seen) return undefined;
    const totals = totalsOf([...this.series.values()]);
    // A count that went down is a restarted sender: the window starts again.
    if (this.latest && totals.requests < this.latest.requests) this.recent.length = 0;
    this.recent.push(totals);
    while (this.recent.length > 2 && totals.timeNs - this.recent[1].timeNs >= this.windowNs) this.recent.shift();
    return totals;
  }

  /** The calls of about the last window: between the latest export and the one a window before it (or the first). */
  window(): CallFigures | undefined {
    const latest = this.latest;
    if (!latest) return undefined;
    const base = this.recent.length > 1 ? this.recent[0] : this.zeroAtStart(latest);
    return figuresBetween(base, latest);
  }

  /** Every call the service reported, since it started. */
  total(): CallFigures | undefined {
    const latest = this.latest;
    return latest ? figuresBetween(this.zeroAtStart(latest), latest) : undefined;
  }

  private zeroAtStart(latest: CallTotals): CallTotals {
    return { timeNs: this.startNs ?? latest.timeNs, requests: 0, failed: 0, bounds: latest.bounds, buckets: [], byMethod: {} };
  }
}

function withDelta(before: ReceivedMetricPoint, delta: ReceivedMetricPoint): ReceivedMetricPoint {
  const counts = [...before.histogram!.bucketCounts];
  addCounts(counts, delta.histogram!.bucketCounts);
  const histogram = { ...delta.histogram!, count: before.histogram!.count + delta.histogram!.count, bucketCounts: counts };
  return { ...delta, startTimeUnixNano: before.startTimeUnixNano, histogram };
}

function totalsOf(points: readonly ReceivedMetricPoint[]): CallTotals {
  let requests = 0;
  let failed = 0;
  let timeNs = 0n;
  const buckets: number[] = [];
  const byMethod: Record<string, Record<string, number>> = {};
  for (const point of points) {
    const { count, bucketCounts } = point.histogram!;
    const method = String(point.attributes[ATTR_RPC_METHOD] ?? '');
    const code = String(point.attributes[ATTR_RPC_STATUS_CODE] ?? '');
    requests += count;
    if (code !== 'OK') failed += count;
    addCounts(buckets, bucketCounts);
    byMethod[method] ??= {};
    byMethod[method][code] = (byMethod[method][code] ?? 0) + count;
    if (point.timeUnixNano > timeNs) timeNs = point.timeUnixNano;
  }
  return { timeNs, requests, failed, bounds: points[0]?.histogram!.explicitBounds ?? [], buckets, byMethod };
}

function figuresBetween(base: CallTotals, latest: CallTotals): CallFigures {
  const requests = latest.requests - base.requests;
  const failed = latest.failed - base.failed;
  const seconds = Number(latest.timeNs - base.timeNs) / 1e9;
  const buckets = latest.buckets.map((count, i) => count - (base.buckets[i] ?? 0));
  return {
    requests,
    failed,
    seconds,
    ...(seconds > 0 ? { ratePerS: requests / seconds } : {}),
    ...(requests > 0 ? { errorRate: failed / requests } : {}),
    ...optional('p50', bucketOfQuantile(latest.bounds, buckets, 0.5)),
    ...optional('p99', bucketOfQuantile(latest.bounds, buckets, 0.99)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
