import type { Random } from './random';
import { normalCdf, normalDensity, normalQuantile } from './standard-normal';

/**
 * How long a step takes: a fixed duration (the original's `duration_ms`) or a distribution (the
 * `duration` field, written `{"LogNormal": {"median_ms": 20, "p99_ms": 200}}`). Plain data, so
 * that `predict` and other readers can inspect it without running anything.
 */
export type LatencyDistribution =
  | { readonly kind: 'Fixed'; readonly ms: number }
  | { readonly kind: 'Uniform'; readonly minMs: number; readonly maxMs: number }
  /** Negative draws become 0: a sleep cannot be shorter than nothing. */
  | { readonly kind: 'Normal'; readonly meanMs: number; readonly stddevMs: number }
  | { readonly kind: 'LogNormal'; readonly medianMs: number; readonly p99Ms: number }
  | { readonly kind: 'Exponential'; readonly meanMs: number };

/** setTimeout cannot wait longer than 2^31−1 ms; a day is already far past any sensible step. */
export const MAX_LATENCY_MS = 86_400_000;

/** z such that P(Z ≤ z) = 0.99 for a standard normal Z: ties a LogNormal's p99 to its spread. */
const Z_99 = normalQuantile(0.99);

/**
 * Everything known about a distribution: how to draw from it and, in closed form, its mean,
 * quantiles and CDF. Draws are clamped to [0, MAX_LATENCY_MS]; quantile and cdf include that
 * clamp, `mean` does not (it only differs for parameters near a day, which nobody configures).
 */
export interface LatencyModel {
  readonly distribution: LatencyDistribution;
  /** Milliseconds, fractional. Consumes one number from `random` (two for Normal and LogNormal). */
  sample(random: Random): number;
  readonly meanMs: number;
  /** The duration d with P(draw ≤ d) = p, for p in [0, 1]. */
  quantileMs(p: number): number;
  /** P(draw ≤ ms). */
  cdf(ms: number): number;
  /** For span attributes and messages: `LogNormal(median_ms=20, p99_ms=200)`. */
  readonly description: string;
}

export function latencyModel(distribution: LatencyDistribution): LatencyModel {
  const parts = partsOf(distribution);
  return {
    distribution,
    sample: (random) => clamp(parts.sample(random)),
    meanMs: parts.meanMs,
    quantileMs: (p) => clamp(parts.quantileMs(p)),
    cdf: (ms) => (ms < 0 ? 0 : ms >= MAX_LATENCY_MS ? 1 : parts.cdf(ms)),
    description: describeDistribution(distribution),
  };
}

/** Draws one duration in ms; a Fixed distribution draws nothing from `random`. */
export function sampleLatency(distribution: LatencyDistribution, random: Random): number {
  if (distribution.kind === 'Fixed') return distribution.ms;
  return clamp(partsOf(distribution).sample(random));
}

export function describeDistribution(distribution: LatencyDistribution): string {
  switch (distribution.kind) {
    case 'Fixed':
      return `${distribution.ms} ms`;
    case 'Uniform':
      return `Uniform(min_ms=${distribution.minMs}, max_ms=${distribution.maxMs})`;
    case 'Normal':
      return `Normal(mean_ms=${distribution.meanMs}, stddev_ms=${distribution.stddevMs})`;
    case 'LogNormal':
      return `LogNormal(median_ms=${distribution.medianMs}, p99_ms=${distribution.p99Ms})`;
    case 'Exponential':
      return `Exponential(mean_ms=${distribution.meanMs})`;
  }
}

interface Parts {
  sample(random: Random): number;
  meanMs: number;
  quantileMs(p: number): number;
  cdf(ms: number): number;
}

function partsOf(d: LatencyDistribution): Parts {
  switch (d.kind) {
    case 'Fixed':
      return { sample: () => d.ms, meanMs: d.ms, quantileMs: () => d.ms, cdf: (ms) => (ms >= d.ms ? 1 : 0) };
    case 'Uniform': {
      const width = d.maxMs - d.minMs;
      return {
        sample: (random) => d.minMs + width * random.next(),
        meanMs: (d.minMs + d.maxMs) / 2,
        quantileMs: (p) => d.minMs + width * p,
        cdf: (ms) => (ms >= d.maxMs ? 1 : ms < d.minMs ? 0 : (ms - d.minMs) / width),
      };
    }
    case 'Normal': {
      const { meanMs: mu, stddevMs: sigma } = d;
      // E[max(0, X)] for X ~ N(mu, sigma²): the clamp at 0 raises the mean a little.
      const meanMs = sigma === 0 ? Math.max(0, mu) : mu * normalCdf(mu / sigma) + sigma * normalDensity(mu / sigma);
      return {
        sample: (random) => Math.max(0, mu + sigma * standardNormalDraw(random)),
        meanMs,
        quantileMs: (p) => Math.max(0, mu + sigma * finiteQuantile(p)),
        cdf: (ms) => (sigma === 0 ? (ms >= mu ? 1 : 0) : normalCdf((ms - mu) / sigma)),
      };
    }
    case 'LogNormal': {
      // Parametrised as users think of latency: the median and the 99th percentile.
      const mu = Math.log(d.medianMs);
      const sigma = (Math.log(d.p99Ms) - mu) / Z_99;
      return {
        sample: (random) => Math.exp(mu + sigma * standardNormalDraw(random)),
        meanMs: Math.exp(mu + (sigma * sigma) / 2),
        quantileMs: (p) => (p <= 0 ? 0 : Math.exp(mu + sigma * finiteQuantile(p))),
        cdf: (ms) => (ms <= 0 ? 0 : sigma === 0 ? (ms >= d.medianMs ? 1 : 0) : normalCdf((Math.log(ms) - mu) / sigma)),
      };
    }
    case 'Exponential':
      return {
        // 1 − next() is in (0, 1], so the logarithm is finite.
        sample: (random) => -d.meanMs * Math.log(1 - random.next()),
        meanMs: d.meanMs,
        quantileMs: (p) => -d.meanMs * Math.log(1 - p),
        cdf: (ms) => (d.meanMs === 0 ? 1 : 1 - Math.exp(-ms / d.meanMs)),
      };
  }
}

/** Box–Muller: two uniforms give one exact standard normal draw (the second one is not kept, so every draw uses exactly two). */
function standardNormalDraw(random: Random): number {
  const radius = Math.sqrt(-2 * Math.log(1 - random.next()));
  return radius * Math.cos(2 * Math.PI * random.next());
}

/** Quantile of the standard normal with p = 0 and 1 kept finite enough for sigma·z to make sense when sigma is 0. */
function finiteQuantile(p: number): number {
  const z = normalQuantile(p);
  return Number.isFinite(z) ? z : z > 0 ? 40 : -40;
}

function clamp(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms > MAX_LATENCY_MS ? MAX_LATENCY_MS : ms;
}
