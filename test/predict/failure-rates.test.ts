import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBehaviour } from '../../src/config';
import type { StatusName } from '../../src/common';
import { IncidentBoard, type GrpcMethod, type IncidentDraft } from '../../src/engine';
import { incidentOverlay, Predictor, type EndpointPrediction, type PredictionWorld } from '../../src/predict';
import type { ScheduledIncident } from '../../src/topology';
import { totalLines } from '../../src/probability';
import { EngineHarness, type RequestResult } from '../support/engine-harness';

/**
 * predict's figures against the real engine: each case runs thousands of seeded requests
 * through createPerformer (virtual clock, calls routed between services as gRPC would) and
 * compares the observed rate of every status code with the predicted probability. The runs are
 * seeded, so they repeat exactly; the tolerance (4 standard errors of a binomial proportion)
 * says how close a correct prediction must be, not how lucky a run was.
 */

type Services = Record<string, [number, object]>;

const sleep = (name: string, ms: number, extra: object = {}) => ({ Sleep: { tracing_name: name, duration_ms: ms, ...extra } });
const call = (port: number, method: GrpcMethod, extra: object = {}) => ({
  CallService: { service_address: 'http://127.0.0.1', service_port: port, grpc_method: method, ...extra },
});
const fn = (name: string, ...operations: object[]) => ({ tracing_name: name, operations });
const one = (action: object) => ({ Action: action });
const all = (...actions: object[]) => ({ ConcurrentActions: actions });
const only = (a: object | null, b: object | null = null) => ({ grpc_method_a: a, grpc_method_b: b, grpc_method_c: null });

function predictionOf(services: Services, entry: string, method: GrpcMethod, incidents: readonly ScheduledIncident[] = []): EndpointPrediction {
  const byPort = new Map(Object.entries(services).map(([name, [port]]) => [port, name]));
  const world: PredictionWorld = {
    services: new Map(Object.entries(services).map(([name, [, behaviour]]) => [name, validateBehaviour(behaviour, name)])),
    locate: (target) => byPort.get(target.port),
  };
  return new Predictor(world, { samples: 20_000, seed: 7, incidents: incidentOverlay(incidents) }).predict(entry, method);
}

/**
 * `incidents` are injected, as the admin API does, into an IncidentBoard of each service on the
 * harness's clock, and last the whole run.
 */
async function runMany(services: Services, entry: string, method: GrpcMethod, requests: number, seed: number, incidents: readonly ScheduledIncident[] = []): Promise<RequestResult[]> {
  const harness = new EngineHarness(services, seed, undefined, (service, clock) => {
    const own = incidents.filter((incident) => incident.service === service);
    if (own.length === 0) return undefined;
    const board = new IncidentBoard(validateBehaviour(services[service][1], service), service, () => clock.now());
    for (const incident of own) {
      const draft: IncidentDraft = { ...incident, durationMs: 86_400_000 };
      const injected = board.inject(draft);
      assert.ok('incident' in injected, JSON.stringify(injected));
    }
    return board;
  });
  const results: RequestResult[] = [];
  for (let i = 0; i < requests; i++) results.push(await harness.request(services[entry][0], method));
  return results;
}

function assertRates(prediction: EndpointPrediction, results: readonly RequestResult[]): void {
  const counts = new Map<StatusName, number>();
  for (const result of results) counts.set(result.code, (counts.get(result.code) ?? 0) + 1);
  const codes = new Set<string>([...counts.keys(), ...Object.keys(prediction.failure.byCode)]);
  codes.delete('OK');
  const n = results.length;
  const lines: string[] = [];
  let ok = true;
  for (const code of [...codes, 'failed']) {
    const predicted = code === 'failed' ? prediction.failure.probability : (prediction.failure.byCode[code as StatusName] ?? 0);
    const seen = code === 'failed' ? results.filter((result) => result.code !== 'OK').length : (counts.get(code as StatusName) ?? 0);
    const observed = seen / n;
    const tolerance = 4 * Math.sqrt(Math.max(predicted * (1 - predicted), 1 / n) / n);
    const within = Math.abs(observed - predicted) <= tolerance;
    ok &&= within;
    lines.push(`${code}: predicted ${predicted.toFixed(4)}, observed ${observed.toFixed(4)} (${seen}/${n}), tolerance ±${tolerance.toFixed(4)}${within ? '' : '  ✗'}`);
  }
  assert.ok(ok, lines.join("\n"));
  if (process.env.SHOW_RATES) console.log(lines.join("\n"));
}

function assertMean(what: string, predicted: number, observed: readonly number[], relative = 0.03): void {
  const mean = observed.reduce((sum, value) => sum + value, 0) / observed.length;
  assert.ok(Math.abs(mean - predicted) <= relative * predicted + 0.05, `${what}: predicted mean ${predicted.toFixed(3)}, observed ${mean.toFixed(3)}`);
}

test('nested Functions and a failing callee: codes, spans and log lines match the engine', async () => {
  const services: Services = {
    front: [1001, only(fn('front', one(sleep('auth', 2, { failure_chance: 0.05, failure_code: 'UNAUTHENTICATED' })),
      one({ Function: fn('inner', one(sleep('a', 3, { failure_chance: 0.1 })), one({ Function: fn('deeper', one(sleep('b', 1, { failure_chance: 0.2, failure_code: 'ABORTED' }))) })) }),
      one(call(1002, 'A', { tracing_name: 'to back' })),
      one({ Log: { message: 'done', level: 'warn' } })))],
    back: [1002, only(fn('back', one(sleep('db', 4, { failure_chance: 0.15, failure_code: 'NOT_FOUND' }))))],
  };
  const prediction = predictionOf(services, 'front', 'A');
  // 1 − 0.95·0.9·0.8·0.85, with INTERNAL for the callee's failure (the original's default).
  assert.ok(Math.abs(prediction.failure.probability - (1 - 0.95 * 0.9 * 0.8 * 0.85)) < 1e-12);
  assert.ok(prediction.failure.exact);
  assert.equal(prediction.successSpans, 12);
  assert.equal(prediction.latencyMs.success?.fixedMs, 10, 'the critical path of fixed durations, exact');
  const results = await runMany(services, 'front', 'A', 4000, 11);
  assertRates(prediction, results);
  assertMean('spans per request', prediction.meanSpans, results.map((result) => result.spans));
  assertMean('log lines per request', totalLines(prediction.logLines.mean), results.map((result) => result.lines));
  for (const result of results.filter((r) => r.code === 'OK')) assert.equal(result.spans, prediction.successSpans);
  for (const result of results.filter((r) => r.code === 'OK')) assert.equal(result.ms, 10);
});

test('concurrent actions: all run, the first failure in list order answers, the slowest sets the time', async () => {
  const services: Services = {
    fan: [1011, only(fn('fan', all(
      sleep('x', 5, { failure_chance: 0.3, failure_code: 'ABORTED' }),
      sleep('y', 9, { failure_chance: 0.4, failure_code: 'DATA_LOSS' }),
      call(1012, 'B', { tracing_name: 'z' }),
    ), one(sleep('after', 1))))],
    leaf: [1012, only(null, fn('leaf', all(sleep('p', 2, { failure_chance: 0.25, failure_code: 'UNAVAILABLE' }), sleep('q', 12))))],
  };
  const prediction = predictionOf(services, 'fan', 'A');
  assert.ok(Math.abs((prediction.failure.byCode.DATA_LOSS ?? 0) - 0.7 * 0.4) < 1e-12, 'DATA_LOSS only when x did not fail');
  assert.equal(prediction.latencyMs.success?.fixedMs, 13);
  const results = await runMany(services, 'fan', 'A', 4000, 12);
  assertRates(prediction, results);
  assertMean('spans per request', prediction.meanSpans, results.map((result) => result.spans));
  assertMean('log lines per request', totalLines(prediction.logLines.mean), results.map((result) => result.lines));
  // Failures end after the slowest branch too: every request takes 12 ms (+1 when it gets to "after").
  const times = new Set(results.map((result) => result.ms));
  assert.deepEqual([...times].sort((a, b) => a - b), [12, 13]);
});

test('retries: injected network failures and callee answers, retried only on retry_on codes', async () => {
  const callee = [1022, only(fn('flaky', one(sleep('work', 1, { failure_chance: 0.3, failure_code: 'UNAVAILABLE' })), one(sleep('check', 1, { failure_chance: 0.1, failure_code: 'RESOURCE_EXHAUSTED' }))))] as [number, object];
  const retries = { max_attempts: 3, backoff_ms: 10, multiplier: 2, retry_on: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] };
  for (const failureCode of [undefined, 'PROPAGATE']) {
    const services: Services = {
      front: [1021, only(fn('front', one(call(1022, 'A', { failure_chance: 0.2, retries, ...(failureCode ? { failure_code: failureCode } : {}) }))))],
      flaky: callee,
    };
    const prediction = predictionOf(services, 'front', 'A');
    const attempt = 0.2 + 0.8 * (1 - 0.7 * 0.9);
    assert.ok(Math.abs(prediction.failure.probability - attempt ** 3) < 1e-12, `three failed attempts: ${prediction.failure.probability} vs ${attempt ** 3}`);
    if (!failureCode) assert.ok((prediction.failure.byCode.INTERNAL ?? 0) > 0 && (prediction.failure.byCode.UNAVAILABLE ?? 0) > 0, 'INTERNAL for answers, UNAVAILABLE for injected');
    else assert.ok((prediction.failure.byCode.RESOURCE_EXHAUSTED ?? 0) > 0 && !prediction.failure.byCode.INTERNAL);
    const results = await runMany(services, 'front', 'A', 5000, 13);
    assertRates(prediction, results);
    assertMean('spans per request', prediction.meanSpans, results.map((result) => result.spans));
    assertMean('log lines per request', totalLines(prediction.logLines.mean), results.map((result) => result.lines));
  }
});

test('retry_on leaves other codes alone: a callee code not in the list fails at once', async () => {
  const services: Services = {
    front: [1031, only(fn('front', one(call(1032, 'A', { retries: { max_attempts: 5, backoff_ms: 1, retry_on: ['UNAVAILABLE'] }, failure_code: 'PROPAGATE' }))))],
    back: [1032, only(fn('back', all(sleep('u', 1, { failure_chance: 0.3, failure_code: 'UNAVAILABLE' }), sleep('n', 1, { failure_chance: 0.2, failure_code: 'NOT_FOUND' }))))],
  };
  const prediction = predictionOf(services, 'front', 'A');
  const results = await runMany(services, 'front', 'A', 4000, 14);
  assertRates(prediction, results);
});

test('timeouts: exact from a closed-form CDF, estimated for sums of random durations, retried on DEADLINE_EXCEEDED', async () => {
  const closedForm: Services = {
    front: [1041, only(fn('front', one(call(1042, 'A', { timeout_ms: 60, retries: { max_attempts: 2, backoff_ms: 5, retry_on: ['DEADLINE_EXCEEDED'] } }))))],
    slow: [1042, only(fn('slow', one(sleep('fixed', 10)), one({ Sleep: { tracing_name: 'varies', duration: { Uniform: { min_ms: 0, max_ms: 100 } }, failure_chance: 0.1 } })))],
  };
  const exact = predictionOf(closedForm, 'front', 'A');
  assert.ok(exact.failure.exact, 'a fixed shift of one Uniform has a closed-form CDF');
  // The Sleep rounds its draw: 10 + round(U) > 60 ⇔ U ≥ 50.5; the late chance is 0.495 per attempt.
  assert.ok(Math.abs((exact.failure.byCode.DEADLINE_EXCEEDED ?? 0) - 0.495 ** 2) < 1e-9, JSON.stringify(exact.failure));
  assertRates(exact, await runMany(closedForm, 'front', 'A', 4000, 15));

  const sums: Services = {
    front: [1051, only(fn('front', one(call(1052, 'A', { timeout_ms: 80 }))))],
    slow: [1052, only(fn('slow', one({ Sleep: { tracing_name: 'one', duration: { Exponential: { mean_ms: 20 } } } }), one({ Sleep: { tracing_name: 'two', duration: { LogNormal: { median_ms: 30, p99_ms: 90 } } } })))],
  };
  const estimated = predictionOf(sums, 'front', 'A');
  assert.equal(estimated.failure.exact, false, 'a sum of two random durations is estimated');
  assert.ok(estimated.notes.some((note) => note.category === 'estimate' && /timeout_ms 80/.test(note.text)));
  const results = await runMany(sums, 'front', 'A', 4000, 16);
  assertRates(estimated, results);
  // Latency by Monte Carlo against the virtual clock's exact durations.
  const sorted = results.map((result) => result.ms).sort((a, b) => a - b);
  const p50 = sorted[Math.ceil(0.5 * sorted.length) - 1];
  assert.ok(Math.abs(p50 - estimated.latencyMs.all.p50) <= 3, `p50: predicted ${estimated.latencyMs.all.p50}, observed ${p50}`);
  assert.equal(estimated.latencyMs.all.method, 'monte-carlo');
});

test('incidents: a drawn duration scaled past a timeout, failures shared out by code, several incidents on one step', async () => {
  const services: Services = {
    front: [1061, only(fn('front', one(call(1062, 'A', { timeout_ms: 60 }))))],
    back: [1062, only(fn('back',
      one({ Sleep: { tracing_name: 'lookup', duration: { Uniform: { min_ms: 0, max_ms: 40 } }, failure_chance: 0.1, failure_code: 'NOT_FOUND' } }),
      one(sleep('write', 3, { failure_chance: 0.05, failure_code: 'ABORTED' }))))],
  };
  const window = { atMs: 0, forMs: 1000 };
  const incidents: ScheduledIncident[] = [
    // round(2·round(U) + 5) + 3 > 60 when round(U) ≥ 26: the timeout, exact from scaledDuration's CDF.
    { ...window, name: 'slow lookup', service: 'back', method: 'A', step: 'lookup', latencyFactor: 2, extraLatencyMs: 5, failureChance: 0.2, failureCode: 'UNAVAILABLE' },
    { ...window, name: 'flaky writes', service: 'back', step: 'write', failureChance: 0.3, failureCode: 'DATA_LOSS' },
    { ...window, name: 'flakier writes', service: 'back', step: 'write', failureChance: 0.5, failureCode: 'RESOURCE_EXHAUSTED', extraLatencyMs: 1 },
  ];
  const baseline = predictionOf(services, 'front', 'A');
  assert.equal(baseline.failure.byCode.DEADLINE_EXCEEDED, undefined, 'without the incident, 40 + 3 ms is within 60 ms');
  const inside = predictionOf(services, 'front', 'A', incidents);
  assert.ok(inside.failure.exact, 'one drawn duration plus fixed steps: a closed form, under the incident too');
  // A failing step still sleeps first. Back takes round(2·round(U) + 5) ms, + 4 for the write
  // (3 ms, + 1 from "flakier writes") unless the lookup failed: late past 60 ms when round(U) ≥ 28
  // after a failed lookup (U ≥ 27.5), ≥ 26 after one that passed (U ≥ 25.5).
  const lookupFails = 1 - (1 - 0.1) * (1 - 0.2);
  const late = lookupFails * (12.5 / 40) + (1 - lookupFails) * (14.5 / 40);
  assert.ok(Math.abs((inside.failure.byCode.DEADLINE_EXCEEDED ?? 0) - late) < 1e-9, JSON.stringify(inside.failure));
  // Back's failures answered in time are INTERNAL at the caller.
  const writeFails = 1 - (1 - 0.05) * (1 - 0.3) * (1 - 0.5);
  const internal = lookupFails * (27.5 / 40) + (1 - lookupFails) * (25.5 / 40) * writeFails;
  assert.ok(Math.abs((inside.failure.byCode.INTERNAL ?? 0) - internal) < 1e-9, JSON.stringify(inside.failure));
  assertRates(inside, await runMany(services, 'front', 'A', 4000, 17, incidents));
  assertRates(baseline, await runMany(services, 'front', 'A', 2000, 18));

  // The callee alone: every code of its own and of each incident, in the roll's order.
  const back = predictionOf(services, 'back', 'A', incidents);
  assert.ok(Math.abs((back.failure.byCode.NOT_FOUND ?? 0) - 0.1) < 1e-12);
  assert.ok(Math.abs((back.failure.byCode.UNAVAILABLE ?? 0) - 0.9 * 0.2) < 1e-12);
  const reachesWrite = 0.9 * 0.8;
  assert.ok(Math.abs((back.failure.byCode.ABORTED ?? 0) - reachesWrite * 0.05) < 1e-12);
  assert.ok(Math.abs((back.failure.byCode.DATA_LOSS ?? 0) - reachesWrite * 0.95 * 0.3) < 1e-12);
  assert.ok(Math.abs((back.failure.byCode.RESOURCE_EXHAUSTED ?? 0) - reachesWrite * 0.95 * 0.7 * 0.5) < 1e-12);
  assertRates(back, await runMany(services, 'back', 'A', 4000, 19, incidents));
  const times = (await runMany(services, 'back', 'A', 2000, 20, incidents)).map((result) => result.ms);
  const sorted = times.sort((a, b) => a - b);
  const p50 = sorted[Math.ceil(0.5 * sorted.length) - 1];
  assert.ok(Math.abs(p50 - back.latencyMs.all.p50) <= 2, `p50: predicted ${back.latencyMs.all.p50}, observed ${p50}`);
});
