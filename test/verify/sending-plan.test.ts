import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COVER_LIMITS, sendingPlan } from '../../src/verify';
import type { ScheduledIncident } from '../../src/topology';

/**
 * How much verify sends to cover a topology's first incident windows, and where it stops: the
 * bound documented in docs/verify.md (an hour of sending, 100 000 requests), exactly at its edge.
 */
function incident(name: string, atMs: number, forMs: number): ScheduledIncident {
  return { name, service: 'back', failureChance: 1, atMs, forMs };
}

test('--requests is kept when it already lasts past the first windows and 2 s after', () => {
  assert.deepEqual(sendingPlan([incident('short', 1_000, 2_000)], 20, 200), { requests: 200 });
});

test('sending is extended to the end of the first window that ends last, and 2 s after', () => {
  const plan = sendingPlan([incident('late', 10_000, 5_000), incident('early', 1_000, 2_000)], 20, 10);
  assert.deepEqual(plan, { requests: 340, extended: { asked: 10, sent: 340, durationS: 17 } });
});

test('an hour of sending is allowed, a second more is refused, and the refusal names the incident that needs it', () => {
  assert.equal(COVER_LIMITS.durationMs, 3_600_000);
  // At 1 request/s: its window ends at 3598 s, and 2 s after makes exactly an hour.
  const hour = sendingPlan([incident('edge', 3_000_000, 598_000)], 1, 1);
  assert.deepEqual(hour, { requests: 3_600, extended: { asked: 1, sent: 3_600, durationS: 3_600 } });
  const past = sendingPlan([incident('edge', 3_000_000, 599_000), incident('early', 1_000, 1_000)], 1, 1);
  assert.ok('refusal' in past);
  assert.match(past.refusal, /^incident "edge" starts at \+50:00\.0 \(its "at"\) and lasts 599 s: covering the incidents' first windows would take 3601 requests over 1 h at 1 requests\/s/);
  assert.match(past.refusal, /give --no-incidents/);
  assert.doesNotMatch(past.refusal, /\n/, 'one line');
});

test('100 000 requests are allowed, one more is refused', () => {
  assert.equal(COVER_LIMITS.requests, 100_000);
  // 50 s at 2000/s is 100 000.
  assert.deepEqual(sendingPlan([incident('busy', 40_000, 8_000)], 2_000, 1), { requests: 100_000, extended: { asked: 1, sent: 100_000, durationS: 50 } });
  const past = sendingPlan([incident('busy', 40_000, 8_001)], 2_000, 1);
  assert.ok('refusal' in past && /would take 100002 requests over 50\.001 s at 2000 requests\/s/.test(past.refusal), JSON.stringify(past));
});
