import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceivedMetricPoint } from '../../src/collector';
import { CallTable } from '../../src/ensemble/call-table';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1];
const START = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;

/** One cumulative rpc.server.call.duration point of `service`, `seconds` after START. */
function point(service: string, seconds: number, code: string, buckets: number[], temporality: ReceivedMetricPoint['temporality'] = 'cumulative'): ReceivedMetricPoint {
  const count = buckets.reduce((sum, n) => sum + n, 0);
  return {
    service,
    metric: 'rpc.server.call.duration',
    unit: 's',
    kind: 'histogram',
    temporality,
    attributes: { 'rpc.system.name': 'grpc', 'rpc.method': 'thespian.Thespian/A', 'rpc.status_code': code },
    startTimeUnixNano: START,
    timeUnixNano: START + BigInt(seconds) * SECOND,
    histogram: { count, bucketCounts: buckets, explicitBounds: BOUNDS },
  };
}

test('cumulative exports become the last seconds\' figures: deltas of the counts and buckets between exports about 5 s apart', () => {
  const table = new CallTable(['front', 'back']);
  table.take([point('front', 1, 'OK', [0, 10, 0, 0, 0, 0]), point('front', 1, 'INTERNAL', [0, 0, 0, 0, 0, 0])]);
  for (let s = 2; s <= 6; s++) table.take([point('front', s, 'OK', [0, 10, 20 * (s - 1), 0, 0, 0]), point('front', s, 'INTERNAL', [0, 0, 0, 0, 5 * (s - 1), 0])]);
  // Between second 1 and second 6: 100 OK calls in (10, 25] ms and 25 failed ones in (50, 100] ms.
  const [header, front, back] = table.liveLines();
  assert.match(header, /^ {2}last 5 s +calls +req\/s +err +p50 +p99$/);
  assert.deepEqual(front.trim().split(/\s+/), ['front', '125', '25.0', '20.0%', '≤25ms', '≤100ms']);
  assert.deepEqual(back.trim().split(/\s+/), ['back', '-', '-', '-', '-', '-'], 'a service with no export yet has a row of dashes');
  assert.ok(table.liveLines().every((line) => line.length < 80));

  // The whole run: every call since the start, the rate over the time traffic was sent.
  const [, total] = table.summaryLines(10);
  assert.deepEqual(total.trim().split(/\s+/), ['front', '135', '13.5', '18.5%', '≤25ms', '≤100ms']);
  assert.deepEqual(table.summaryJson('front'), {
    requests: 135,
    failed: 25,
    errorRate: 25 / 135,
    p50: { above_ms: 10, at_most_ms: 25 },
    p99: { above_ms: 50, at_most_ms: 100 },
    byMethod: { 'thespian.Thespian/A': { OK: 110, INTERNAL: 25 } },
  });
  assert.equal(table.summaryJson('back'), null);
});

test('a --json line per service per export, with cumulative totals and the window; other metrics and unknown services make none', () => {
  const table = new CallTable(['front']);
  assert.deepEqual(table.take([{ ...point('front', 1, 'OK', [1, 0, 0, 0, 0, 0]), metric: 'thespian.step.duration' }]), []);
  assert.deepEqual(table.take([point('stranger', 1, 'OK', [1, 0, 0, 0, 0, 0])]), []);
  const [line] = table.take([point('front', 2, 'OK', [3, 0, 0, 0, 0, 1])]);
  assert.deepEqual(JSON.parse(line), {
    type: 'rpc_metrics',
    service: 'front',
    time: '2023-11-14T22:13:22.000000000Z',
    requests: 4,
    failed: 0,
    by_method: { 'thespian.Thespian/A': { OK: 4 } },
    duration_buckets: { bounds_ms: [5, 10, 25, 50, 100], counts: [3, 0, 0, 0, 0, 1] },
    window: { seconds: 2, requests: 4, failed: 0, rate_per_s: 2, error_rate: 0, p50: { above_ms: 0, at_most_ms: 5 }, p99: { above_ms: 100, at_most_ms: null } },
  });
  assert.match(table.liveLines()[1], />100ms/, 'above the last bound: the lower limit only');
});

test('delta points are added up, and a count that goes down (a restarted service) starts the window again', () => {
  const table = new CallTable(['front']);
  table.take([point('front', 1, 'OK', [2, 0, 0, 0, 0, 0], 'delta')]);
  table.take([point('front', 2, 'OK', [3, 0, 0, 0, 0, 0], 'delta')]);
  assert.equal(table.summaryJson('front')?.requests, 5);
  const restarted = new CallTable(['front']);
  restarted.take([point('front', 1, 'OK', [50, 0, 0, 0, 0, 0])]);
  restarted.take([point('front', 2, 'OK', [4, 0, 0, 0, 0, 0])]);
  assert.equal(restarted.liveLines()[1].trim().split(/\s+/)[1], '4', 'no negative count after a restart');
});
