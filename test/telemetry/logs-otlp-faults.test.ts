import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { blackHole } from '../support/black-hole';
import { freePort } from '../support/free-port';
import { exportTo } from '../support/telemetry-env';

after(() => closeClients());

const BEHAVIOUR = methodA('serve', step(sleep('work', 1)));
const CALLS = 10;
/** Far above the shutdown's own deadlines (spans 5 s, logs 3 s, metrics 3 s): only a hang breaks it. */
const STOP_BOUND_MS = 20_000;

async function callAll(instance: InstanceProcess): Promise<void> {
  for (let i = 0; i < CALLS; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
}

/** Stops the instance and checks it exits 0 well within the bound; returns its `stopped` line. */
async function stopWithin(instance: InstanceProcess): Promise<Record<string, unknown>> {
  const started = Date.now();
  const { code } = await instance.stop();
  assert.equal(code, 0);
  assert.ok(Date.now() - started < STOP_BOUND_MS, `stopped after ${Date.now() - started} ms`);
  return instance.logs.find((line) => line.message === 'stopped')!;
}

/** Every record before the `stopped` line (one per stdout line) is counted as exported or lost, none twice. */
function assertAllAccounted(instance: InstanceProcess, stopped: Record<string, unknown>): void {
  const before = instance.logs.indexOf(stopped);
  const counted = ['exported', 'dropped_queue_full', 'dropped_export_failed', 'dropped_at_shutdown'].map((what) => Number(stopped[`otlp_log_records_${what}`]));
  assert.equal(counted.reduce((a, b) => a + b, 0), before, `counts ${JSON.stringify(counted)} for ${before} lines`);
}

test('OTEL_LOGS_EXPORTER=otlp at a backend that takes only traces (UNIMPLEMENTED): said once, requests and traces go on, the loss is counted', async () => {
  const tempo = await OtlpTraceReceiver.start(); // serves TraceService only, as a traces-only Tempo does
  const instance = await startInstance({ env: { ...exportTo(tempo), OTEL_LOGS_EXPORTER: 'otlp' }, behaviour: BEHAVIOUR });
  await callAll(instance);
  const [warning] = await instance.waitForLines((line) => String(line.message).startsWith('OTLP log export to '), 1, 15_000);
  assert.match(String(warning.message), new RegExp(`^OTLP log export to http://127\\.0\\.0\\.1:${tempo.port} is failing: .*UNIMPLEMENTED`));
  await callAll(instance);
  const stopped = await stopWithin(instance);
  assert.equal(instance.logs.filter((line) => String(line.message).startsWith('OTLP log export to ')).length, 1, 'said once');
  assert.ok(Number(stopped.otlp_log_records_dropped_export_failed) > 0);
  assert.equal(stopped.otlp_log_records_exported, 0);
  assertAllAccounted(instance, stopped);
  assert.ok(tempo.spans().length >= 2 * CALLS, 'the traces still arrive');
  await tempo.close();
});

test('an OTLP logs endpoint that accepts connections and never answers: calls answer, shutdown ends within its deadline, what was cut is counted', async () => {
  const hole = await blackHole();
  // The exporter would wait a minute for an answer, the batch processor half that: only the shutdown's own deadline ends it in time.
  const instance = await startInstance({
    env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: hole.endpoint, OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '60000' },
    behaviour: BEHAVIOUR,
  });
  await callAll(instance);
  const stopped = await stopWithin(instance);
  assert.equal(stopped.otlp_log_records_exported, 0);
  assert.ok(Number(stopped.otlp_log_records_dropped_at_shutdown) + Number(stopped.otlp_log_records_dropped_export_failed) > 0);
  assertAllAccounted(instance, stopped);
  await hole.close();
});

test('an OTLP logs endpoint nobody listens on: one warning naming it, calls answer, shutdown ends, the loss is counted', async () => {
  const port = await freePort();
  const instance = await startInstance({
    env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${port}` },
    behaviour: BEHAVIOUR,
  });
  await callAll(instance);
  const stopped = await stopWithin(instance);
  assert.equal(stopped.otlp_log_records_exported, 0);
  assertAllAccounted(instance, stopped);
  const warnings = instance.logs.filter((line) => String(line.message).startsWith(`OTLP log export to http://127.0.0.1:${port} is failing: `));
  assert.equal(warnings.length, 1, 'said once');
  assert.match(String(warnings[0].message), /UNAVAILABLE.*ECONNREFUSED/);
});

test('more lines than the OTLP queue holds while the endpoint never answers: the rest are dropped, said, and counted as queue full', async () => {
  const hole = await blackHole();
  // 400 lines a call: ten calls are more than the 2048 records the batch processor queues beside the 512 it is sending.
  const chatty = methodA('chatter', ...Array.from({ length: 400 }, (_, i) => step({ Log: { message: `line ${i}` } })));
  const instance = await startInstance({ env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: hole.endpoint }, behaviour: chatty });
  await callAll(instance);
  const [warning] = await instance.waitForLines((line) => String(line.message).includes('cannot keep up'));
  assert.match(String(warning.message), new RegExp(`^OTLP log export to ${hole.endpoint} cannot keep up: \\d+ log records dropped because the queue is full; raise OTEL_BLRP_MAX_QUEUE_SIZE \\(now 2048\\) and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE$`));
  const stopped = await stopWithin(instance);
  assert.ok(Number(stopped.otlp_log_records_dropped_queue_full) > 0);
  assertAllAccounted(instance, stopped);
  await hole.close();
});
