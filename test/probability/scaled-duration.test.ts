// scaledDuration, what an incident's latency_factor and extra_latency_ms make of a Sleep's time:
// exact for fixed and discrete durations, a closed-form CDF for a drawn one that agrees with
// drawing it the way the engine does (draw, round, then × factor + extra, round, cap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/engine/random';
import { cdfOf, drawnDuration, fixedDuration, fixedValue, hasClosedForm, latencyModel, mixDurations, quantileOf, sampleDuration, scaledDuration, type Duration } from '../../src/probability';

const CAP = 86_400_000;
const rounded = { round: true, capMs: CAP };

test('a fixed duration stays one exact value: own × factor + extra, rounded, capped', () => {
  assert.equal(fixedValue(scaledDuration(fixedDuration(20), 3, 10, rounded)), 70);
  assert.equal(fixedValue(scaledDuration(fixedDuration(7), 1.5, 0, rounded)), 11, '10.5 rounds up, as Math.round does in perform');
  assert.equal(fixedValue(scaledDuration(fixedDuration(20), 1_000_000, 0, { round: true, capMs: 5_000_000 })), 5_000_000);
  assert.equal(fixedValue(scaledDuration(fixedDuration(7), 1.5, 0, { round: false, capMs: CAP })), 10.5);
});

test('a discrete duration moves point by point, and points that round together merge', () => {
  const two = mixDurations([{ weight: 0.25, duration: fixedDuration(10) }, { weight: 0.75, duration: fixedDuration(11) }]);
  const apart = scaledDuration(two, 2, 1, rounded);
  assert.equal(apart.kind, 'discrete');
  assert.deepEqual([...(apart as Extract<Duration, { kind: 'discrete' }>).points].sort(), [[21, 0.25], [23, 0.75]]);
  const together = scaledDuration(two, 0.04, 0, rounded);
  assert.equal(fixedValue(together), 0, '0.4 and 0.44 both round to 0');
});

test('× 0 leaves only the extra, whatever was drawn', () => {
  const drawn = drawnDuration(latencyModel({ kind: 'Exponential', meanMs: 30 }), rounded);
  assert.equal(fixedValue(scaledDuration(drawn, 0, 12, rounded)), 12);
});

test('a drawn duration keeps a closed-form CDF, exact at the rounding edges', () => {
  // A Sleep of Uniform(0, 100) draws D = round(U); under × 2 + 5 it takes round(2D + 5).
  const drawn = drawnDuration(latencyModel({ kind: 'Uniform', minMs: 0, maxMs: 100 }), rounded);
  const scaled = scaledDuration(drawn, 2, 5, rounded);
  assert.ok(hasClosedForm(scaled));
  // 2D + 5 ≤ 105 ⇔ D ≤ 50 ⇔ U < 50.5.
  assert.ok(Math.abs(cdfOf(scaled, 105)! - 0.505) < 1e-12, String(cdfOf(scaled, 105)));
  // 2D + 5 is odd: 106 adds nothing to 105.
  assert.ok(Math.abs(cdfOf(scaled, 106)! - 0.505) < 1e-12);
  assert.equal(cdfOf(scaled, 4), 0);
  assert.equal(cdfOf(scaled, 205), 1);
  // P(≤ 104) is still 0.495, so the median is 105.
  assert.ok(Math.abs(quantileOf(scaled, 0.5)! - 105) < 1e-5, String(quantileOf(scaled, 0.5)));
});

test("draws of a scaled duration follow its CDF, and the engine's way of drawing it", () => {
  const model = latencyModel({ kind: 'LogNormal', medianMs: 20, p99Ms: 120 });
  const scaled = scaledDuration(drawnDuration(model, rounded), 1.7, 33, rounded);
  const random = seededRandom(41);
  const engine = seededRandom(42);
  const n = 20_000;
  const draws = Array.from({ length: n }, () => sampleDuration(scaled, random));
  // perform: drawn = round(sample), then min(cap, round(drawn × factor + extra)).
  const performed = Array.from({ length: n }, () => Math.min(CAP, Math.round(Math.round(Math.min(CAP, model.sample(engine))) * 1.7 + 33)));
  for (const ms of [40, 60, 80, 120, 200, 300]) {
    const predicted = cdfOf(scaled, ms)!;
    const tolerance = 4 * Math.sqrt((predicted * (1 - predicted)) / n) + 1e-3;
    for (const [what, sample] of [['sampleDuration', draws], ['as perform draws', performed]] as const) {
      const observed = sample.filter((value) => value <= ms).length / n;
      assert.ok(Math.abs(observed - predicted) <= tolerance, `${what}: P(≤ ${ms}) predicted ${predicted.toFixed(4)}, observed ${observed.toFixed(4)}`);
    }
  }
});
