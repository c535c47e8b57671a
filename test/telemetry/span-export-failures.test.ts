import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { LokiPushReceiver, OtlpTraceReceiver } from '../../src/collector';
import { blackHole } from '../support/black-hole';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { methodA, sleep, step } from '../support/behaviours';

after(() => closeClients());

/** Each call makes three spans: the SERVER span, the Function and its Sleep. */
const SPANS_PER_CALL = 3;
const behaviour = methodA('work', step(sleep('nap', 1)));

async function call(instance: InstanceProcess, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await callMethod(instance.address, 'A', { deadlineMs: 5_000 });
    assert.equal(result.code, 0, `calls answer OK whatever the trace endpoint does: ${result.details}`);
  }
}

const exportWarning = (endpoint: string) => (line: Record<string, unknown>) =>
  line.level === 'warn' && line.endpoint === endpoint && String(line.message).startsWith(`span export to ${endpoint} is failing: `);

function stoppedLine(instance: InstanceProcess): Record<string, unknown> {
  const stopped = instance.logs.find((line) => line.message === 'stopped');
  assert.ok(stopped, 'a stopped line');
  return stopped;
}

function accountedSpans(stopped: Record<string, unknown>): number {
  return ['spans_exported', 'spans_dropped_queue_full', 'spans_dropped_export_failed', 'spans_dropped_at_shutdown'].reduce(
    (sum, field) => sum + Number(stopped[field]),
    0,
  );
}

test('a trace endpoint nobody listens on: one warning naming it and the error; when a receiver starts there, one line says it recovered', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const instance = await startInstance({ env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: endpoint }, behaviour });
  let calls = 0;
  await call(instance, 5);
  calls += 5;
  const [warning] = await instance.waitForLines(exportWarning(endpoint), 1, 15_000);
  assert.match(String(warning.error), /UNAVAILABLE|ECONNREFUSED/);
  for (let round = 0; round < 5; round++) {
    await call(instance, 2);
    calls += 2;
    await delay(200);
  }
  assert.equal(instance.logs.filter(exportWarning(endpoint)).length, 1, 'one warning while it keeps failing, not one per batch');

  const receiver = await OtlpTraceReceiver.start({ port });
  const recovered = (line: Record<string, unknown>) => line.level === 'info' && String(line.message).startsWith(`span export to ${endpoint} recovered after `);
  // grpc-js waits out its reconnect backoff (a few seconds after a short outage) before trying again.
  const until = Date.now() + 30_000;
  while (!instance.logs.some(recovered) && Date.now() < until) {
    await call(instance, 1);
    calls += 1;
    await delay(300);
  }
  const [recovery] = await instance.waitForLines(recovered, 1, 1_000);
  assert.ok(Number(recovery.spans_dropped) > 0, 'the recovery line says how many spans were lost meanwhile');

  const { code } = await instance.stop();
  assert.equal(code, 0);
  const stopped = stoppedLine(instance);
  assert.equal(stopped.spans_exported, receiver.spans().length, 'spans exported, as the receiver counts them');
  assert.ok(Number(stopped.spans_dropped_export_failed) > 0, 'spans lost to failed exports are counted');
  assert.equal(accountedSpans(stopped), calls * SPANS_PER_CALL, 'every span is exported or counted as dropped');
  await receiver.close();
});

test('a black-holed trace endpoint (accepts, never answers) gets a warning; calls still answer', async () => {
  const hole = await blackHole();
  const instance = await startInstance({
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: hole.endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '1500' },
    behaviour,
  });
  await call(instance, 5);
  const [warning] = await instance.waitForLines(exportWarning(hole.endpoint), 1, 15_000);
  assert.match(String(warning.error), /DEADLINE_EXCEEDED|timeout|timed out/i);
  await call(instance, 5);
  const { code } = await instance.stop();
  assert.equal(code, 0);
  assert.equal(accountedSpans(stoppedLine(instance)), 10 * SPANS_PER_CALL, 'every span is exported or counted as dropped');
  await hole.close();
});

test('a wrong trace endpoint (an HTTP/1 server: Loki\'s port, say) gets a warning; calls still answer', async () => {
  const loki = await LokiPushReceiver.start();
  const instance = await startInstance({ env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: loki.endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '3000' }, behaviour });
  await call(instance, 5);
  const [warning] = await instance.waitForLines(exportWarning(loki.endpoint), 1, 15_000);
  assert.ok(String(warning.error).length > 0, 'the error is named');
  await call(instance, 5);
  const { code } = await instance.stop();
  assert.equal(code, 0);
  await loki.close();
});

test('the stopped line counts spans dropped for a full queue and spans cut when the flush deadline passed', async () => {
  const hole = await blackHole();
  // A queue of 30 in batches of 30: the first 30 spans go to an export that never ends, the next 30
  // wait in the queue, the last 30 find it full. The export timeout (10 s by default) outlasts the
  // shutdown's 5 s flush deadline, so the 60 spans on their way are cut.
  const instance = await startInstance({
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BACKEND_ADDRESS: hole.endpoint,
      OTEL_BSP_MAX_QUEUE_SIZE: '30',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '30',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    },
    behaviour,
  });
  await call(instance, 30);
  const { code } = await instance.stop();
  assert.equal(code, 0);
  const stopped = stoppedLine(instance);
  assert.equal(stopped.spans_exported, 0);
  assert.equal(stopped.spans_dropped_queue_full, 30, 'spans dropped for a full queue');
  assert.equal(stopped.spans_dropped_at_shutdown, 60, 'spans cut at the flush deadline');
  assert.equal(accountedSpans(stopped), 30 * SPANS_PER_CALL);
  const queueFull = instance.logs.filter((line) => line.level === 'warn' && / cannot keep up: \d+ spans dropped because the queue is full; raise OTEL_BSP_MAX_QUEUE_SIZE \(now 30\)/.test(String(line.message)));
  assert.equal(queueFull.length, 1, 'one warning that spans are dropped for a full queue');
  await hole.close();
});
