// When a topology's incidents are in effect: the windows `up` and `chaos run` play, and the
// overlap rule the topology checks use (held against a brute-force walk of every millisecond).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstPassEndMs, windowsBefore, windowStartMs, windowsEverOverlap, type ScheduledIncident } from '../../src/topology';

const SEED = 15;

const incident = (name: string, atMs: number, forMs: number, repeatEveryMs?: number): ScheduledIncident => ({
  name,
  service: 'payments',
  failureChance: 1,
  failureCode: 'UNAVAILABLE',
  atMs,
  forMs,
  ...(repeatEveryMs === undefined ? {} : { repeatEveryMs }),
});

/** Small whole-ms schedules, as the topology allows them: repeat_every longer than for. */
const arbitraryIncident = fc
  .record({ atMs: fc.integer({ min: 0, max: 60 }), forMs: fc.integer({ min: 1, max: 20 }), gap: fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }) })
  .map(({ atMs, forMs, gap }) => incident('x', atMs, forMs, gap === undefined ? undefined : forMs + gap));

const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));

/** Which whole milliseconds before `horizon` the incident is in effect (windows are [start, end)). */
function coverage(incident: ScheduledIncident, horizon: number): Uint8Array {
  const covered = new Uint8Array(horizon);
  for (let start = incident.atMs; start < horizon; start += incident.repeatEveryMs ?? horizon) {
    for (let t = start; t < Math.min(start + incident.forMs, horizon); t++) covered[t] = 1;
  }
  return covered;
}

/**
 * Whether the two are ever in effect at the same millisecond. Once both have started, the pair of
 * their states repeats every lcm(periods) ms, so a first meeting comes before the later start
 * plus the lcm plus a window's length: walking that far is walking for ever.
 */
function bruteForceOverlap(a: ScheduledIncident, b: ScheduledIncident): boolean {
  const pa = a.repeatEveryMs ?? 1;
  const pb = b.repeatEveryMs ?? 1;
  const horizon = Math.max(a.atMs, b.atMs) + (pa * pb) / gcd(pa, pb) + Math.max(a.forMs, b.forMs);
  const [ca, cb] = [coverage(a, horizon), coverage(b, horizon)];
  return ca.some((on, t) => on === 1 && cb[t] === 1);
}

test('windowsEverOverlap agrees with a walk over every millisecond, and does not care which comes first', () => {
  fc.assert(
    fc.property(arbitraryIncident, arbitraryIncident, (a, b) => {
      const expected = bruteForceOverlap(a, b);
      assert.equal(windowsEverOverlap(a, b), expected, `a ${JSON.stringify(a)} b ${JSON.stringify(b)}`);
      assert.equal(windowsEverOverlap(b, a), expected, 'symmetric');
    }),
    { seed: SEED, numRuns: 3000, includeErrorInReport: true },
  );
});

test('windowsEverOverlap on the cases a person would check by hand', () => {
  // Half-open windows: one that ends as the next starts does not overlap it.
  assert.equal(windowsEverOverlap(incident('a', 1000, 2000), incident('b', 3000, 1000)), false);
  assert.equal(windowsEverOverlap(incident('a', 1000, 2000), incident('b', 2999, 1000)), true);
  // Every 5 s and every 7 s, 1 s each, from 0 and 2 s: they first meet at 30 s.
  assert.equal(windowsEverOverlap(incident('a', 0, 1000, 5000), incident('b', 2000, 1000, 7000)), true);
  // Every 4 s and every 8 s from 0 and 2 s: the starts always differ by 2 s (mod 4 s).
  assert.equal(windowsEverOverlap(incident('a', 0, 1000, 4000), incident('b', 2000, 1000, 8000)), false);
  // A periodic one and a one-off long after it started: only the window around the one-off counts.
  assert.equal(windowsEverOverlap(incident('a', 0, 1000, 10_000), incident('b', 1_000_031_000, 9000)), false);
  assert.equal(windowsEverOverlap(incident('a', 0, 1000, 10_000), incident('b', 1_000_039_500, 1000)), true);
  // A one-off that ends before a periodic one starts.
  assert.equal(windowsEverOverlap(incident('a', 60_000, 1000, 2000), incident('b', 0, 60_000)), false);
});

test('windowsBefore lists each window that starts before the time, by start, ties in file order', () => {
  const outage = incident('outage', 4000, 4000, 20_000);
  const blip = incident('blip', 24_000, 500);
  const early = incident('early', 0, 1000, 12_000);
  const windows = windowsBefore([outage, blip, early], 44_000);
  assert.deepEqual(
    windows.map((w) => [w.incident.name, w.occurrence, w.startMs, w.endMs]),
    [
      ['early', 0, 0, 1000],
      ['outage', 0, 4000, 8000],
      ['early', 1, 12_000, 13_000],
      ['outage', 1, 24_000, 28_000],
      ['blip', 0, 24_000, 24_500],
      ['early', 2, 24_000, 25_000],
      ['early', 3, 36_000, 37_000],
    ],
  );
  // A window that starts exactly at the time is not before it; one running across it is.
  assert.deepEqual(windowsBefore([outage], 24_000).map((w) => w.startMs), [4000]);
  assert.deepEqual(windowsBefore([outage], 24_001).map((w) => w.startMs), [4000, 24_000]);
  assert.deepEqual(windowsBefore([outage], 0), []);
  assert.deepEqual(windowsBefore([], 1e9), []);
  // A periodic incident over a long time is cut at the limit.
  assert.equal(windowsBefore([incident('often', 0, 1, 2)], 1e9, 50).length, 50);
  assert.equal(windowsBefore([incident('often', 0, 1, 2)], 1e9).length, 10_000);
});

test('windowStartMs and firstPassEndMs: the nth start, and when every incident has had its first window', () => {
  assert.equal(windowStartMs(incident('a', 4000, 4000, 20_000), 0), 4000);
  assert.equal(windowStartMs(incident('a', 4000, 4000, 20_000), 3), 64_000);
  assert.equal(windowStartMs(incident('a', 4000, 4000), 0), 4000);
  assert.equal(firstPassEndMs([]), 0);
  assert.equal(firstPassEndMs([incident('a', 4000, 4000, 20_000), incident('b', 1000, 9000), incident('c', 0, 100, 1000)]), 10_000);
});
