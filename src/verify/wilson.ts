/**
 * The Wilson score interval for a proportion: `k` of `n` trials, at 95% by default. Unlike the
 * textbook p ± z·√(p(1−p)/n) it stays inside [0, 1] and is honest for rates near 0 and for few
 * trials, which is exactly where failure rates live.
 */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At 0 of n (or n of n) the bound is 0 (or 1) exactly; the formula leaves rounding dust there.
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}
