/**
 * Where a quantile of an explicit-bucket histogram lies: only as precisely as the buckets say.
 * The value is above `above` and at most `atMost` (null: above the last bound, no upper limit
 * known). Nothing is interpolated: a p50 "≤ 25 ms" means half the calls took 25 ms or less, and
 * the buckets cannot tell whether that was 11 ms or 25 ms.
 */
export interface QuantileBucket {
  readonly above: number;
  readonly atMost: number | null;
}

/**
 * The bucket holding the q-quantile (0 < q ≤ 1): the first whose cumulative count reaches
 * q × total, the rank Prometheus's histogram_quantile uses too. `counts` has one more entry than
 * `bounds` (the last bucket is everything above the last bound). Undefined for an empty histogram.
 */
export function bucketOfQuantile(bounds: readonly number[], counts: readonly number[], q: number): QuantileBucket | undefined {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank && counts[i] > 0) return { above: i === 0 ? 0 : bounds[i - 1], atMost: i < bounds.length ? bounds[i] : null };
  }
  return { above: bounds[bounds.length - 1] ?? 0, atMost: null };
}

/** Bucket counts added element by element (histograms of one instrument share their bounds). */
export function addCounts(into: number[], counts: readonly number[]): void {
  for (let i = 0; i < counts.length; i++) into[i] = (into[i] ?? 0) + counts[i];
}
