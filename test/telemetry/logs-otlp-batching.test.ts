import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, step } from '../support/behaviours';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';

after(() => closeClients());

/** Each call writes this many Log lines; CALLS of them are far more than the default queue (2048) and one batch (512) hold. */
const LINES_PER_CALL = 40;
const CALLS = 100;
const BEHAVIOUR = methodA('chatty', ...Array.from({ length: LINES_PER_CALL }, (_, i) => step({ Log: { level: 'info', message: `line ${i}` } })));

/**
 * Sends CALLS calls while the logs receiver holds its answers (a stalled collector: the batch
 * processor exports one batch at a time, so everything else waits in its queue), then lets it
 * answer and stops the instance. Returns the `stopped` line and the instance.
 */
async function floodWhileStalled(env: Record<string, string>): Promise<{ instance: InstanceProcess; stopped: Record<string, unknown>; receiver: OtlpLogsReceiver }> {
  const receiver = await OtlpLogsReceiver.start();
  const release = receiver.stall();
  const instance = await startInstance({
    env: {
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.endpoint,
      // The held export must not time out: only the queue is under test.
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '120000',
      OTEL_BLRP_EXPORT_TIMEOUT: '120000',
      ...env,
    },
    behaviour: BEHAVIOUR,
  });
  for (let i = 0; i < CALLS; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  release();
  assert.equal((await instance.stop()).code, 0);
  const stopped = instance.logs.find((line) => line.message === 'stopped')!;
  await receiver.close();
  return { instance, stopped, receiver };
}

/** Every record before `stopped` is exported or dropped for a full queue, and the receiver has exactly the exported ones (and `stopped`). */
function assertAccounted({ instance, stopped, receiver }: Awaited<ReturnType<typeof floodWhileStalled>>): void {
  const before = instance.logs.indexOf(stopped);
  assert.ok(before > CALLS * LINES_PER_CALL, `${before} lines before stopped`);
  assert.equal(Number(stopped.otlp_log_records_exported) + Number(stopped.otlp_log_records_dropped_queue_full), before);
  assert.deepEqual([stopped.otlp_log_records_dropped_export_failed, stopped.otlp_log_records_dropped_at_shutdown], [0, 0]);
  assert.equal(receiver.records.length, Number(stopped.otlp_log_records_exported) + 1);
}

test('a stalled OTLP logs receiver: the default queue (2048) drops lines, counted and said with the variable to raise', async () => {
  const run = await floodWhileStalled({});
  assertAccounted(run);
  // At most one batch (512) in flight and 2048 queued: the rest of the 4000 lines is dropped.
  assert.ok(Number(run.stopped.otlp_log_records_dropped_queue_full) >= CALLS * LINES_PER_CALL - 2048 - 512, JSON.stringify(run.stopped));
  const warning = run.instance.logs.find((line) => / cannot keep up: \d+ log records dropped/.test(String(line.message)));
  assert.match(String(warning?.message), /raise OTEL_BLRP_MAX_QUEUE_SIZE \(now 2048\) and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE/);
});

test('OTEL_BLRP_MAX_QUEUE_SIZE and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE reach the batch processor: a bigger queue drops nothing, batches are of the size asked', async () => {
  const run = await floodWhileStalled({ OTEL_BLRP_MAX_QUEUE_SIZE: '8192', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '1000' });
  assertAccounted(run);
  assert.equal(run.stopped.otlp_log_records_dropped_queue_full, 0);
  // The backlog left after the stall goes out in full batches of 1000, not the default 512.
  assert.equal(Math.max(...run.receiver.exportSizes), 1000, `export sizes ${run.receiver.exportSizes.join(', ')}`);
});
