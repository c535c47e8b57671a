import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { LokiPushReceiver, OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type CallResult } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { methodA, sleep, step, together } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';
import { setTimeout as delay } from 'node:timers/promises';

after(() => closeClients());

test('SIGTERM under load: calls in flight finish, every completed request has all its spans, exit 0', async () => {
  const receiver = await OtlpTraceReceiver.start();
  // A long batch delay, so the spans of completed requests are still queued when SIGTERM arrives.
  const instance = await startInstance({
    env: { ...exportTo(receiver), OTEL_BSP_SCHEDULE_DELAY: '60000' },
    behaviour: methodA('work', step(sleep('think', 40)), together(sleep('left', 20), sleep('right', 30))),
  });

  const results: CallResult[] = [];
  let sending = true;
  const clients = Array.from({ length: 20 }, async () => {
    while (sending) results.push(await callMethod(instance.address, 'A'));
  });
  await delay(700);
  const stopped = instance.stop('SIGTERM');
  await delay(300);
  sending = false;
  await Promise.all(clients);
  const { code } = await stopped;

  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);
  const completed = results.filter((r) => r.code === 0);
  assert.ok(completed.length >= 40, `a good number of requests completed (${completed.length})`);
  const spans = receiver.spans();
  for (const request of completed) {
    const names = spans.filter((s) => s.traceId === request.traceId).map((s) => s.name).sort();
    assert.deepEqual(names, ['grpc.thespian.Thespian/A', 'left', 'right', 'think', 'work'], `all spans of trace ${request.traceId}`);
  }
  // Calls that arrived after SIGTERM were refused, not half-done.
  for (const refused of results.filter((r) => r.code !== 0)) assert.equal(refused.code, 14, `refused calls are UNAVAILABLE: ${refused.details}`);
  assert.ok(instance.logs.some((l) => l.message === 'shutting down'), 'shutdown is logged');
  await receiver.close();
});

test('with Tempo and Loki unreachable every request still answers OK, and shutdown stays quick', async () => {
  const [deadTempo, deadLoki] = await Promise.all([freePort(), freePort()]);
  const instance = await startInstance({
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: `http://127.0.0.1:${deadTempo}`, LOKI_ADDRESS: `http://127.0.0.1:${deadLoki}` },
    behaviour: methodA('work', step(sleep('nap', 1))),
  });
  const results = await Promise.all(Array.from({ length: 200 }, () => callMethod(instance.address, 'A')));
  assert.deepEqual([...new Set(results.map((r) => r.code))], [0], 'every request answered OK');
  const started = Date.now();
  const { code } = await instance.stop();
  assert.equal(code, 0);
  // Generous: flushing to dead backends is bounded by deadlines of a few seconds, not minutes.
  assert.ok(Date.now() - started < 12_000, 'shutdown does not hang on dead backends');
});

test('an instance whose stdout reader went away (closed pipe) keeps answering and shuts down cleanly', async () => {
  const instance = await startInstance({ behaviour: methodA('work', step(sleep('nap', 1))) });
  instance.child.stdout!.destroy();
  // Enough log lines to fill any pipe buffer, so the write fails with EPIPE rather than sitting buffered.
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(Array.from({ length: 100 }, () => callMethod(instance.address, 'A')));
    assert.deepEqual([...new Set(results.map((r) => r.code))], [0], `round ${round}: every request answered OK; stderr:\n${instance.stderr()}`);
  }
  const { code } = await instance.stop();
  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);
  assert.doesNotMatch(instance.stderr(), /EPIPE|Error/);
});

test('logs reach Loki with only service_name and level as labels, and the trace id in the line', async () => {
  const loki = await LokiPushReceiver.start();
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint, SERVICE_NAME: 'logger' }, behaviour: methodA('work', step(sleep('nap', 1, 1))) });
  const result = await callMethod(instance.address, 'A');
  assert.equal(result.code, 13);
  await instance.stop();
  const lines = await loki.waitFor((all) => all.some((l) => l.line.includes(result.traceId!) && l.labels.level === 'error'), 5_000);
  const mine = lines.filter((l) => l.line.includes(result.traceId!));
  assert.ok(mine.length >= 3, 'step starts and the failure arrive');
  for (const line of mine) {
    assert.deepEqual(Object.keys(line.labels).sort(), ['level', 'service_name']);
    assert.equal(line.labels.service_name, 'logger');
    assert.equal((line.json as Record<string, unknown>).trace_id, result.traceId);
  }
  assert.ok(lines.some((l) => l.line.includes('"stopped"')), 'the last line before exit was flushed');
  await loki.close();
});

test('a slow Loki blocks no request', async () => {
  const loki = await LokiPushReceiver.start({ delayMs: 5_000 });
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour: methodA('work', step(sleep('nap', 1))) });
  const results = await Promise.all(Array.from({ length: 100 }, () => callMethod(instance.address, 'A')));
  assert.deepEqual([...new Set(results.map((r) => r.code))], [0]);
  const slowest = Math.max(...results.map((r) => r.durationMs));
  assert.ok(slowest < 4_000, `no request waited for Loki (slowest ${slowest.toFixed(0)} ms)`);
  await instance.stop();
  await loki.close();
});
