import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { callService, fn, methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

const INTERNAL = 13;
let receiver: OtlpTraceReceiver;
const instances: InstanceProcess[] = [];

before(async () => {
  receiver = await OtlpTraceReceiver.start();
});

after(async () => {
  closeClients();
  await Promise.all(instances.map((instance) => instance.stop()));
  await receiver.close();
});

async function start(serviceName: string, behaviour: object, env: Record<string, string> = {}) {
  const instance = await startInstance({ env: { ...exportTo(receiver), SERVICE_NAME: serviceName, ...env }, behaviour });
  instances.push(instance);
  return instance;
}

test('a failure deep in another instance answers INTERNAL, names the step, and marks every span on its way up', async () => {
  const payments = await start('payments', methodA('charge', step(fn('talk to bank', step(sleep('bank says no', 1, 1))))));
  const shop = await start('shop', methodA('checkout', step(callService('pay', payments.port)), step(sleep('never reached', 1))));

  const result = await callMethod(shop.address, 'A');
  assert.equal(result.code, INTERNAL);
  assert.match(result.details, /shop\/A › checkout › pay: call to 127\.0\.0\.1:\d+\/A failed with INTERNAL: payments\/A › charge › talk to bank › bank says no: injected failure/);

  const trace = await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId).length >= 8, 10_000);
  const spans = trace.filter((s) => s.traceId === result.traceId);
  const named = (name: string) => spans.find((s) => s.name === name)!;
  assert.equal(named('never reached'), undefined, 'the operations after a failure do not run');

  const origin = named('bank says no');
  assert.equal(origin.status.code, 'ERROR');
  assert.equal(origin.attributes['thespian.injected'], true);
  assert.equal(origin.attributes['thespian.injected.kind'], 'failure_chance');
  assert.ok(typeof origin.attributes['thespian.roll'] === 'number', 'the roll is recorded');
  assert.equal(origin.events.filter((e) => e.name === 'exception').length, 1, 'the failure is recorded where it began');

  for (const name of ['talk to bank', 'charge', 'checkout']) {
    assert.equal(named(name).status.code, 'ERROR', `${name} has ERROR status`);
    assert.equal(named(name).events.filter((e) => e.name === 'exception').length, 0, `${name} does not record the failure again`);
    assert.equal(named(name).attributes['thespian.injected'], undefined, `${name} is not where it was injected`);
  }
  assert.equal(named('pay').status.code, 'ERROR');
  for (const server of spans.filter((s) => s.kind === 'SERVER' || s.kind === 'CLIENT')) {
    assert.equal(server.status.code, 'ERROR', `${server.service} ${server.kind} span has ERROR status`);
  }

  // Logged once per instance: at the origin downstream, and where it entered the upstream.
  const errorLines = (instance: InstanceProcess) => instance.waitForLines((l) => l.level === 'error' && l.trace_id === result.traceId);
  assert.equal((await errorLines(payments)).length, 1, 'payments logs the failure once');
  assert.equal((await errorLines(shop)).length, 1, 'shop logs the failed call once');
});

test('failure_chance fails about as often as configured, reproducibly with THESPIAN_SEED', async () => {
  const behaviour = methodA('flaky', step(sleep('coin', 0, 0.3)));
  const first = await start('flaky-1', behaviour, { THESPIAN_SEED: '42', OTEL_TRACES_EXPORTER: 'none' });
  const second = await start('flaky-2', behaviour, { THESPIAN_SEED: '42', OTEL_TRACES_EXPORTER: 'none' });

  const outcomes = async (instance: InstanceProcess) => {
    const codes: number[] = [];
    for (let i = 0; i < 400; i++) codes.push((await callMethod(instance.address, 'A')).code);
    return codes;
  };
  const a = await outcomes(first);
  const b = await outcomes(second);
  const failures = a.filter((code) => code === INTERNAL).length;
  // 400 draws at p = 0.3: mean 120, sd ≈ 9.2; ±4 sd keeps this from ever flaking.
  assert.ok(failures > 83 && failures < 157, `about 30% failed (got ${failures}/400)`);
  assert.deepEqual(a, b, 'the same seed and the same requests give the same outcomes');
});

test('a CallService to an instance that is not there fails the request with UNAVAILABLE in the message', async () => {
  const lonely = await start('lonely', methodA('reach out', step(callService('nobody home', 1))), { OTEL_TRACES_EXPORTER: 'none' });
  const result = await callMethod(lonely.address, 'A');
  assert.equal(result.code, INTERNAL);
  assert.match(result.details, /nobody home: call to 127\.0\.0\.1:1\/A failed with UNAVAILABLE/);
});
