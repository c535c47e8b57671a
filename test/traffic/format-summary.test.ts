import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary } from '../../src/traffic/format-summary';
import { progressLine } from '../../src/traffic/progress-display';
import type { LoadSummary } from '../../src/traffic/load-result';

// Compares with a file under snapshots/; run with UPDATE_SNAPSHOTS=1 to rewrite them after an
// intended change, and review the diff.
function matchesSnapshot(name: string, actual: string): void {
  const path = join(__dirname, 'snapshots', `${name}.txt`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) writeFileSync(path, `${actual}\n`);
  assert.equal(`${actual}\n`, readFileSync(path, 'utf8'));
}

const percentiles = (p50: number, p90: number, p99: number, p99_9: number, max: number) => ({ p50, p90, p99, p99_9, max });

const steadyRun: LoadSummary = {
  targets: [
    { address: '127.0.0.1:7101', method: 'A', rate: 200, scheduled: 2000, sent: 2000, dropped: 0, achievedRate: 199.93, counts: { OK: 1962, INTERNAL: 31, DEADLINE_EXCEEDED: 7 } },
  ],
  startedAt: '2026-01-02T03:04:05.000Z',
  durationS: 10,
  interrupted: false,
  elapsedS: 10.0412,
  scheduled: 2000,
  sent: 2000,
  dropped: 0,
  completed: 2000,
  targetRate: 200,
  achievedRate: 199.93,
  counts: { INTERNAL: 31, OK: 1962, DEADLINE_EXCEEDED: 7 },
  latencyMs: { fromScheduled: percentiles(1.215, 2.041, 5.503, 31.007, 40.127), fromSent: percentiles(1.102, 1.913, 4.871, 30.511, 39.871) },
  sendLagMs: { p50: 0.412, p99: 1.337, max: 3.901 },
  lateSends: 0,
  lagToleranceMs: 25,
  keptUp: true,
  processCpuPercent: 12.4,
};

const strainedRun: LoadSummary = {
  targets: [
    { address: '127.0.0.1:7100', label: 'frontend', method: 'A', rate: 5000, scheduled: 20000, sent: 18500, dropped: 1500, achievedRate: 3921.5, counts: { OK: 18400, UNAVAILABLE: 100 } },
    { address: '127.0.0.1:7102', label: 'search', method: 'C', rate: 0.5, scheduled: 2, sent: 2, dropped: 0, achievedRate: 0.5, counts: { OK: 2 } },
  ],
  startedAt: '2026-01-02T03:04:05.000Z',
  requestLimit: 50000,
  concurrencyLimit: 256,
  interrupted: true,
  elapsedS: 4.2,
  scheduled: 20002,
  sent: 18502,
  dropped: 1500,
  completed: 18502,
  targetRate: 5000.5,
  achievedRate: 3921.7,
  counts: { OK: 18402, UNAVAILABLE: 100 },
  latencyMs: { fromScheduled: percentiles(180.2, 612.9, 1022.4, 1201.3, 1250.0), fromSent: percentiles(12.1, 30.4, 61.2, 90.9, 95.3) },
  sendLagMs: { p50: 170.2, p99: 1001.5, max: 1180.9 },
  lateSends: 17211,
  lagToleranceMs: 25,
  keptUp: false,
  processCpuPercent: 99.6,
};

test('summary of a steady run: rate, kept up, statuses OK first then by count, percentiles', () => {
  matchesSnapshot('summary-steady', formatSummary(steadyRun));
});

test('summary of a strained run: several targets, fell behind, dropped at the limit, interrupted', () => {
  matchesSnapshot('summary-strained', formatSummary(strainedRun));
});

test('the same summary always formats the same way', () => {
  assert.equal(formatSummary(structuredClone(steadyRun)), formatSummary(steadyRun));
});

test('progress line: bar, elapsed, rate and p99 of the last interval, errors by code, drops, lag', () => {
  const live = { elapsedMs: 4200, progress: 0.42, sent: 840, dropped: 3, completed: 835, inFlight: 5, errors: { UNAVAILABLE: 2, INTERNAL: 9 }, behindMs: 120 };
  matchesSnapshot('progress-line', progressLine(live, { p99Ms: 12.345, answered: 200, sent: 201 }, 1.005, true));
  const calm = { ...live, dropped: 0, errors: {}, behindMs: 3 };
  assert.equal(progressLine(calm, { p99Ms: 1.5, answered: 10, sent: 10 }, 5, false), '4.2 s  840 sent  2.0/s  p99 1.50 ms  no errors');
});

test('progress line of a staged load: the stage now and the rate asked for now', () => {
  const live = { elapsedMs: 4200, progress: 0.42, sent: 840, dropped: 0, completed: 835, inFlight: 5, errors: {}, behindMs: 0, stage: { index: 2, count: 3, rate: 57.5 } };
  assert.equal(progressLine(live, { p99Ms: 1.5, answered: 10, sent: 10 }, 5, false), '4.2 s  stage 2/3 at 57.5/s  840 sent  2.0/s  p99 1.50 ms  no errors');
});
