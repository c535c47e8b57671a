import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/engine/random';
import { latencyModel, MAX_LATENCY_MS, sampleLatency, type LatencyDistribution } from '../../src/probability/latency-distribution';
import { normalCdf, normalQuantile } from '../../src/probability/standard-normal';
import type { Random } from '../../src/probability/random';

const DRAWS = 20_000;

const CASES: LatencyDistribution[] = [
  { kind: 'Uniform', minMs: 10, maxMs: 30 },
  { kind: 'Normal', meanMs: 20, stddevMs: 5 },
  // Mean close to 0: a third of the draws fall below 0 and are clamped to it.
  { kind: 'Normal', meanMs: 4, stddevMs: 9 },
  { kind: 'LogNormal', medianMs: 20, p99Ms: 200 },
  { kind: 'LogNormal', medianMs: 5, p99Ms: 5 },
  { kind: 'Exponential', meanMs: 20 },
];

function draws(distribution: LatencyDistribution, random: Random): number[] {
  const model = latencyModel(distribution);
  return Array.from({ length: DRAWS }, () => model.sample(random)).sort((a, b) => a - b);
}

for (const distribution of CASES) {
  const model = latencyModel(distribution);

  test(`${model.description}: draws follow the distribution (mean, quantiles, whole CDF) and are never below 0`, () => {
    const sample = draws(distribution, seededRandom(20240601).fork!(model.description));
    assert.ok(sample[0] >= 0, `smallest draw ${sample[0]}`);
    assert.ok(sample.every(Number.isFinite), 'every draw is a finite number');

    // The sample mean is within 5 standard errors of the exact mean.
    const mean = sample.reduce((sum, x) => sum + x, 0) / DRAWS;
    const sd = Math.sqrt(sample.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (DRAWS - 1));
    assert.ok(Math.abs(mean - model.meanMs) <= 5 * (sd / Math.sqrt(DRAWS)) + 1e-9, `mean ${mean.toFixed(3)} vs exact ${model.meanMs.toFixed(3)}`);

    // Each empirical quantile sits where the exact CDF says it should, within 5 binomial standard errors.
    // At 0, a clamped distribution has an atom: there the CDF jumps from 0 to P(X ≤ 0), and any p in between fits.
    const fits = (ms: number, p: number, tolerance: number) => (ms === 0 ? 0 : model.cdf(ms)) - tolerance <= p && p <= model.cdf(ms) + tolerance;
    for (const p of [0.1, 0.5, 0.9, 0.99]) {
      const empirical = sample[Math.floor(p * DRAWS)];
      const tolerance = 5 * Math.sqrt((p * (1 - p)) / DRAWS);
      assert.ok(sd === 0 || fits(empirical, p, tolerance), `p${p * 100}: draw ${empirical.toFixed(3)} has CDF ${model.cdf(empirical).toFixed(4)}`);
      if (sd > 0) assert.ok(fits(model.quantileMs(p), p, 1e-9), `quantile and CDF agree at ${p}`);
    }

    // Kolmogorov–Smirnov: the largest gap between empirical and exact CDF (2/√n is p ≈ 0.0007).
    let gap = 0;
    for (let i = 0; i < DRAWS; i++) {
      if (i + 1 < DRAWS && sample[i + 1] === sample[i]) continue;
      gap = Math.max(gap, Math.abs(model.cdf(sample[i]) - (i + 1) / DRAWS));
    }
    assert.ok(gap < 2 / Math.sqrt(DRAWS), `KS distance ${gap.toFixed(4)}`);
  });
}

test('the parameters mean what their names say', () => {
  const lognormal = latencyModel({ kind: 'LogNormal', medianMs: 20, p99Ms: 200 });
  assert.ok(Math.abs(lognormal.quantileMs(0.5) - 20) < 1e-9);
  assert.ok(Math.abs(lognormal.quantileMs(0.99) - 200) < 1e-9);
  const uniform = latencyModel({ kind: 'Uniform', minMs: 10, maxMs: 30 });
  assert.equal(uniform.quantileMs(0), 10);
  assert.equal(uniform.quantileMs(1), 30);
  assert.equal(uniform.meanMs, 20);
  assert.ok(Math.abs(latencyModel({ kind: 'Exponential', meanMs: 20 }).quantileMs(0.5) - 20 * Math.LN2) < 1e-9);
  // A clamped Normal keeps its mass at 0: P(draw = 0) = P(X ≤ 0).
  const clamped = latencyModel({ kind: 'Normal', meanMs: 4, stddevMs: 9 });
  assert.ok(Math.abs(clamped.cdf(0) - normalCdf(-4 / 9)) < 1e-12);
  assert.equal(clamped.quantileMs(0.2), 0);
  assert.ok(clamped.meanMs > 4, 'clamping at 0 raises the mean');
});

test('the standard normal functions are accurate', () => {
  assert.ok(Math.abs(normalQuantile(0.99) - 2.3263478740408408) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.025) + 1.959963984540054) < 1e-12);
  assert.ok(Math.abs(normalCdf(1.96) - 0.9750021048517795) < 1e-15);
  assert.ok(Math.abs(normalCdf(-5) / 2.866515718791939e-7 - 1) < 1e-12, 'tails keep their relative precision');
  for (const p of [1e-9, 0.001, 0.3, 0.5, 0.8, 0.999999]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-12 * Math.max(1, p / 1e-3));
});

test('draws are clamped to [0, a day]; a fixed duration draws no random number', () => {
  const extreme = latencyModel({ kind: 'LogNormal', medianMs: 60_000_000, p99Ms: MAX_LATENCY_MS });
  const random = seededRandom(3);
  for (let i = 0; i < 1000; i++) {
    const ms = extreme.sample(random);
    assert.ok(ms >= 0 && ms <= MAX_LATENCY_MS, `${ms}`);
  }
  let drawn = 0;
  const counting: Random = { next: () => (drawn++, 0.5) };
  assert.equal(sampleLatency({ kind: 'Fixed', ms: 7 }, counting), 7);
  assert.equal(drawn, 0);
  sampleLatency({ kind: 'Exponential', meanMs: 1 }, counting);
  sampleLatency({ kind: 'LogNormal', medianMs: 1, p99Ms: 2 }, counting);
  assert.equal(drawn, 3, 'one number per Exponential draw, two per LogNormal draw');
});

test('seeded streams: a fork depends only on the seed and its key, never on what was drawn before', () => {
  const sequence = (random: Random, n = 5) => Array.from({ length: n }, () => random.next());
  assert.deepEqual(sequence(seededRandom(42)), sequence(seededRandom(42)), 'the same seed repeats');
  assert.notDeepEqual(sequence(seededRandom(42)), sequence(seededRandom(43)));

  const parent = seededRandom(42);
  const before = sequence(parent.fork!('0.1'));
  sequence(parent, 100);
  assert.deepEqual(sequence(parent.fork!('0.1')), before, 'drawing from the parent does not move its forks');
  assert.notDeepEqual(sequence(parent.fork!('0.2')), before, 'another key is another stream');
  assert.equal(parent.fork!('x').streamId, seededRandom(42).fork!('x').streamId);

  // Many sibling streams' first draws are still uniform: what each request's first roll sees.
  const firsts = Array.from({ length: DRAWS }, (_, i) => parent.fork!(`A checkout #${i + 1}`).next()).sort((a, b) => a - b);
  let gap = 0;
  firsts.forEach((x, i) => (gap = Math.max(gap, Math.abs(x - (i + 1) / DRAWS))));
  assert.ok(gap < 2 / Math.sqrt(DRAWS), `KS distance of first draws ${gap.toFixed(4)}`);
});
