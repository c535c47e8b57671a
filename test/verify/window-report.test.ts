// verify's placing of requests into incident windows (src/verify/window-report.ts), on requests
// made up here: which requests are held against the incident's prediction, which against the
// baseline, and which are left out at an edge. The end-to-end runs are in incidents.test.ts; this
// pins what a run on a busy machine cannot be made to show on demand, an injection that lands late.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowReport, type WindowPlayed } from '../../src/verify/window-report';
import type { EndpointPrediction } from '../../src/predict';
import type { RequestRecord } from '../../src/traffic';
import type { IncidentWindow, ScheduledIncident } from '../../src/topology';

const INCIDENT: ScheduledIncident = { name: 'card network down', service: 'back', step: 'card network', failureChance: 1, failureCode: 'UNAVAILABLE', atMs: 1000, forMs: 2000 };
const WINDOW: IncidentWindow = { incident: INCIDENT, occurrence: 0, startMs: 1000, endMs: 3000 };

/** Only the failure probability is read from a prediction here. */
const predicting = (probability: number) => ({ failure: { probability, byCode: {}, exact: true } }) as unknown as EndpointPrediction;

/** A request every 50 ms for 4 s; it failed when sent while the instances had the incident. */
function requests(inEffect: { fromMs: number; toMs: number }): RequestRecord[] {
  return Array.from({ length: 80 }, (_, index) => {
    const sentMs = index * 50;
    const failed = sentMs >= inEffect.fromMs && sentMs < inEffect.toMs;
    return { target: 0, status: failed ? 'UNAVAILABLE' : 'OK', scheduledMs: sentMs, sentMs, latencyMs: 5, serviceMs: 5 };
  });
}

function report(records: RequestRecord[], played: WindowPlayed) {
  return windowReport({
    windows: [WINDOW],
    playOf: () => played,
    records,
    baselineOf: () => predicting(0),
    insideOf: () => predicting(1),
    spansOf: () => undefined,
  });
}

test('an injection that lands on time: the requests well inside the window are held against the incident, those well outside against the baseline', () => {
  const result = report(requests({ fromMs: 1000, toMs: 3000 }), { play: 'played', inEffectFromMs: 1004 });
  const [window] = result.windows;
  // Within 250 ms of 1004 (800..1250) and of 3000 (2800..3200) are edges, 19 requests; 1300..2750
  // is inside, 30; 0..750 and 3250..3950 outside, 31.
  assert.deepEqual([window!.rate.requests, window!.rate.failed, window!.rate.consistent], [30, 30, true]);
  assert.deepEqual([result.outside.requests, result.outside.failed, result.outside.consistent], [31, 0, true]);
  assert.equal(result.edge, 19);
});

test('an injection that lands late (a busy machine): the window is counted from when the instances had it, so no request sent before is held against the incident', () => {
  // Taken only at 1800 ms: requests from 1000 to 1800 did not fail, and must not count as inside.
  const result = report(requests({ fromMs: 1800, toMs: 3000 }), { play: 'played', inEffectFromMs: 1800 });
  const [window] = result.windows;
  assert.equal(window!.inEffectFromMs, 1800);
  // Inside: 2050..2750 (15), every one failed; counted from the window's start instead, 1300..1750
  // would have been inside too, not failing, and the window inconsistent with its prediction.
  assert.deepEqual([window!.rate.requests, window!.rate.failed, window!.rate.consistent], [15, 15, true]);
  // The requests between the window's start and the late injection are the baseline's, and did not fail.
  assert.deepEqual([result.outside.requests, result.outside.failed, result.outside.consistent], [47, 0, true]);
});

test('a window not played counts nothing against the incident (--no-incidents): its requests are inside with their baseline behaviour', () => {
  const result = report(requests({ fromMs: 0, toMs: 0 }), { play: 'not played' });
  assert.equal(result.windows[0]!.inEffectFromMs, undefined);
  assert.equal(result.windows[0]!.rate.failed, 0);
});
