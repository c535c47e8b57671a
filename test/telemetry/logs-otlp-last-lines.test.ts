import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';
import { exportTo } from '../support/telemetry-env';

after(() => closeClients());

// The last line before `stopped` is logged in the same stretch of turns as the logger's stop: the
// span export that fails at shutdown (the first export, with a delay longer than the test) is
// said, then the span SDK's shutdown returns and the logger stops at once. That line must be
// counted in `stopped` as exported, and arrive.
test('a line logged right before the logger stops is counted as exported in `stopped` and reaches the OTLP receiver', async () => {
  const tempo = await OtlpTraceReceiver.start({ failWith: grpc.status.PERMISSION_DENIED });
  const logs = await OtlpLogsReceiver.start();
  const instance = await startInstance({
    env: {
      ...exportTo(tempo),
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: logs.endpoint,
    },
    behaviour: methodA('serve', step(sleep('work', 1))),
  });
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  assert.equal((await instance.stop()).code, 0);

  const stoppedAt = instance.logs.findIndex((line) => line.message === 'stopped');
  const last = instance.logs[stoppedAt - 1];
  assert.match(String(last?.message), /^span export to .* is failing/, 'the span export failure is the last line before stopped');
  const stopped = instance.logs[stoppedAt];
  assert.equal(stopped.otlp_log_records_exported, stoppedAt, JSON.stringify(stopped));
  assert.equal(stopped.otlp_log_records_dropped_at_shutdown, 0);
  assert.deepEqual(
    logs.records.map((record) => record.body),
    instance.logs.map((line) => line.message),
    'every line, the last one and stopped included, arrived once and in order',
  );
  await Promise.all([tempo.close(), logs.close()]);
});
