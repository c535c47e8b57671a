// `thespian predict` of a topology with incidents against a real instance: what predict says a
// request does inside an incident's windows is what the instance does once the incident is put in
// effect through its admin API (by the AdminInjector that verify and up use), and outside them
// the baseline holds. Failure rates are held to the prediction's 99% Wilson interval; latency,
// with fixed durations, to the spans' own durations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { AdminInjector } from '../../src/chaos';
import { loadTopology, type ScheduledIncident } from '../../src/topology';
import { wilsonInterval } from '../../src/verify/wilson';
import { callMethod, closeClients, runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { exportTo } from '../support/telemetry-env';
import { tempDir, writeJson } from '../up/up-helpers';

const TOKEN = 'predict-test-token-0123456789';
const Z_99 = 2.5758293035489;
const REQUESTS = 400;

const BEHAVIOUR = {
  grpc_method_a: {
    tracing_name: 'checkout',
    operations: [
      { Action: { Sleep: { tracing_name: 'charge card', duration_ms: 20, failure_chance: 0.1, failure_code: 'ABORTED' } } },
      { Action: { Sleep: { tracing_name: 'send mail', duration_ms: 5 } } },
    ],
  },
  grpc_method_b: { tracing_name: 'refund', operations: [{ Action: { Sleep: { tracing_name: 'reverse charge', duration_ms: 1 } } }] },
  grpc_method_c: null,
};

const TOPOLOGY = {
  name: 'one shop',
  services: { shop: { behaviour: BEHAVIOUR } },
  entry_points: [{ service: 'shop', method: 'A', rps: 5 }],
  incidents: [
    { name: 'card network down', at: '1s', for: '2s', service: 'shop', method: 'A', step: 'charge card', failure_chance: 0.4, failure_code: 'UNAVAILABLE' },
    { name: 'slow card', at: '10s', for: '2s', repeat_every: '30s', service: 'shop', step: 'charge card', latency_factor: 3, extra_latency_ms: 10 },
    { name: 'refunds down', at: '20s', for: '2s', service: 'shop', method: 'B', failure_chance: 1 },
  ],
};

let receiver: OtlpTraceReceiver;
let instance: InstanceProcess;
let topologyPath: string;
let incidents: readonly ScheduledIncident[];
let injector: AdminInjector;

before(async () => {
  receiver = await OtlpTraceReceiver.start();
  topologyPath = writeJson(tempDir(), 'shop.json', TOPOLOGY);
  incidents = loadTopology(topologyPath).incidents;
  instance = await startInstance({ env: { ...exportTo(receiver), SERVICE_NAME: 'shop', THESPIAN_ADMIN_TOKEN: TOKEN }, behaviour: BEHAVIOUR });
  injector = new AdminInjector(new Map([['shop', [instance.address]]]), TOKEN);
});

after(async () => {
  injector.close();
  closeClients();
  await instance.stop();
  await receiver.close();
});

async function predictJson(): Promise<any> {
  const run = await runToExit({}, ['predict', topologyPath, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [prediction] = (JSON.parse(run.stdout) as { predictions: any[] }).predictions;
  return prediction;
}

/** Sends `n` requests to A, twenty at a time; their statuses by name. */
async function send(n: number): Promise<{ codes: Map<string, number>; traceIds: string[] }> {
  const codes = new Map<string, number>();
  const traceIds: string[] = [];
  for (let sent = 0; sent < n; sent += 20) {
    const results = await Promise.all(Array.from({ length: Math.min(20, n - sent) }, () => callMethod(instance.address, 'A')));
    for (const result of results) {
      const name = grpc.status[result.code];
      codes.set(name, (codes.get(name) ?? 0) + 1);
      if (result.traceId) traceIds.push(result.traceId);
    }
  }
  return { codes, traceIds };
}

/** Each code's observed share (and all failures') against the predicted, at 99%. */
function assertWithin(what: string, failure: { probability: number; by_code: Record<string, number> }, codes: Map<string, number>, n: number): void {
  const lines: string[] = [];
  let ok = true;
  const failed = n - (codes.get('OK') ?? 0);
  const rows: [string, number, number][] = [['failed', failed, failure.probability]];
  for (const code of new Set([...Object.keys(failure.by_code), ...[...codes.keys()].filter((code) => code !== 'OK')])) {
    rows.push([code, codes.get(code) ?? 0, failure.by_code[code] ?? 0]);
  }
  for (const [code, seen, predicted] of rows) {
    const { low, high } = wilsonInterval(seen, n, Z_99);
    const inside = predicted >= low - 1e-12 && predicted <= high + 1e-12;
    ok &&= inside;
    lines.push(`${what} ${code}: ${seen}/${n}, 99% interval ${low.toFixed(3)}–${high.toFixed(3)}, predicted ${predicted.toFixed(4)}${inside ? '' : '  ✗'}`);
  }
  assert.ok(ok, lines.join('\n'));
}

test('predict --json: the baseline, and inside each incident the failure by code and the latency; an incident off the request says so', async () => {
  const prediction = await predictJson();
  assert.ok(Math.abs(prediction.failure.probability - 0.1) < 1e-12);
  assert.equal(prediction.latency_ms.success.fixedMs, 25);
  const [down, slow, refunds] = prediction.incidents;
  assert.equal(down.name, 'card network down');
  assert.deepEqual(down.window, { at_ms: 1000, for_ms: 2000, repeat_every_ms: null });
  assert.equal(down.changes_request, true);
  // One roll: below 0.1 the step's own ABORTED, then 40% of what is left is the incident's.
  assert.ok(Math.abs(down.failure.probability - (1 - 0.9 * 0.6)) < 1e-12);
  assert.ok(Math.abs(down.failure.by_code.ABORTED - 0.1) < 1e-12);
  assert.ok(Math.abs(down.failure.by_code.UNAVAILABLE - 0.9 * 0.4) < 1e-12);
  assert.equal(down.latency_ms.success.fixedMs, 25, 'no latency change');
  assert.deepEqual(slow.window, { at_ms: 10_000, for_ms: 2000, repeat_every_ms: 30_000 });
  assert.equal(slow.latency_ms.success.fixedMs, 20 * 3 + 10 + 5);
  assert.equal(slow.latency_ms.success.method, 'exact');
  assert.ok(Math.abs(slow.failure.probability - 0.1) < 1e-12);
  assert.equal(refunds.changes_request, false, 'method B is never reached from A');
  assert.deepEqual(refunds.failure, prediction.failure);

  const text = await runToExit({}, ['predict', topologyPath]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {2}inside "card network down" \(shop, \+1 s for 2 s\)$/m);
  assert.match(text.stdout, /^ {4}fails {7}46\.0% of requests \(exact\): UNAVAILABLE 36\.0%, ABORTED 10\.0%$/m);
  assert.match(text.stdout, /^ {2}inside "slow card" \(shop, \+10 s for 2 s, every 30 s\)\n {4}fails .*\n {4}latency {5}75ms when it succeeds \(critical path, exact\)/m);
  assert.match(text.stdout, /^ {2}inside "refunds down" \(shop, \+20 s for 2 s\): no change, shop\/A never reaches shop › B$/m);
});

test('a real instance fails as predicted outside the incident and inside it, code by code', async () => {
  const prediction = await predictJson();
  const outside = await send(REQUESTS);
  assertWithin('outside', prediction.failure, outside.codes, REQUESTS);
  assert.equal(outside.codes.get('UNAVAILABLE'), undefined, 'no incident, no UNAVAILABLE');

  const down = incidents.find((incident) => incident.name === 'card network down')!;
  assert.equal(await injector.inject(down, 600_000), undefined);
  try {
    const inside = await send(REQUESTS);
    assertWithin('inside', prediction.incidents[0].failure, inside.codes, REQUESTS);
  } finally {
    await injector.clearInjected();
  }
  const again = await send(100);
  assert.equal(again.codes.get('UNAVAILABLE'), undefined, 'cleared: the baseline again');
});

test("latency_factor and extra_latency_ms: the predicted latency is the sleeps' durations on the spans", async () => {
  const prediction = await predictJson();
  const slow = incidents.find((incident) => incident.name === 'slow card')!;
  assert.equal(await injector.inject(slow, 600_000), undefined);
  let traceIds: string[];
  try {
    ({ traceIds } = await send(10));
  } finally {
    await injector.clearInjected();
  }
  const spans = await receiver.waitFor((all) => traceIds.every((id) => all.filter((span) => span.traceId === id && span.kind === 'SERVER').length === 1), 15_000);
  for (const traceId of traceIds) {
    const ofTrace = spans.filter((span) => span.traceId === traceId);
    const server = ofTrace.find((span) => span.kind === 'SERVER')!;
    if (server.status.code === 'ERROR') continue;
    const sleeps = ofTrace.filter((span) => span.name === 'charge card' || span.name === 'send mail');
    assert.equal(sleeps.length, 2);
    const slept = sleeps.reduce((sum, span) => sum + Number(span.attributes['thespian.duration_ms']), 0);
    assert.equal(slept, prediction.incidents[1].latency_ms.success.fixedMs, 'the sleeps took what predict said, to the millisecond');
    assert.equal(ofTrace.find((span) => span.name === 'charge card')!.attributes['thespian.incident'], 'slow card');
    // A timer never fires early; how late it fires depends on the machine, so only this bound is held.
    for (const span of sleeps) assert.ok(span.durationMs >= Number(span.attributes['thespian.duration_ms']) - 1, `${span.name} lasted ${span.durationMs} ms`);
    assert.ok(server.durationMs >= slept - 1);
  }
});
