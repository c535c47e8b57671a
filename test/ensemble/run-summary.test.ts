import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunSummary } from '../../src/ensemble/run-summary';

test("up's running totals: answers by status, deadlines passed, and latency percentiles from the one histogram", () => {
  const summary = new RunSummary();
  assert.deepEqual(summary.latencyMs(), {}, 'no percentiles before the first answer');
  assert.equal(summary.line({ elapsedMs: 0, sent: 0, spans: 0, inFlight: 0 }), '0.0s  0 req 0.0/s  err 0.0%  p50 -  p99 -  0 in flight  0 spans');
  for (let ms = 1; ms <= 1000; ms++) summary.record({ status: 'OK', serviceMs: ms, pastDeadline: false });
  for (let i = 0; i < 5; i++) summary.record({ status: 'INTERNAL', serviceMs: 2, pastDeadline: false });
  for (let i = 0; i < 3; i++) summary.record({ status: 'DEADLINE_EXCEEDED', serviceMs: 2000, pastDeadline: true });
  assert.equal(summary.ok, 1000);
  assert.equal(summary.failed, 8);
  assert.equal(summary.answered, 1008);
  assert.equal(summary.pastDeadline, 3);
  assert.deepEqual(Object.fromEntries(summary.failuresByCode), { INTERNAL: 5, DEADLINE_EXCEEDED: 3 });
  const { p50, p90, p99, max } = summary.latencyMs();
  // Exact nearest-rank figures of these 1008 latencies, which the histogram holds within 0.1%.
  for (const [name, got, exact] of [['p50', p50, 499], ['p90', p90, 903], ['p99', p99, 993], ['max', max, 2000]] as const) {
    assert.ok(got !== undefined && Math.abs(got / exact - 1) <= 0.001, `${name} ${got}, exactly ${exact}`);
  }
  assert.match(summary.line({ elapsedMs: 10_000, sent: 1010, spans: 12_345, inFlight: 2 }), /^10\.0s {2}1010 req 101\.0\/s {2}err 0\.8% {2}p50 \S+ {2}p99 \S+ {2}2 in flight {2}12,345 spans$/);
});
