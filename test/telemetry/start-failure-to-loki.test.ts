import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { LokiPushReceiver } from '../../src/collector';
import { runToExit } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';

// On a cluster, Loki is where a user looks first; the instance used to exit before its one error
// line had been pushed there.
test('an instance that cannot start (its port is taken) still gets its error line to Loki before it exits', async () => {
  const holder = createServer();
  holder.listen(0, '0.0.0.0');
  await once(holder, 'listening');
  const { port } = holder.address() as { port: number };
  const loki = await LokiPushReceiver.start();
  try {
    const run = await runToExit({ PORT: String(port), LOKI_ADDRESS: loki.endpoint, CONFIG_JSON: JSON.stringify(methodA('work', step(sleep('nap', 1)))) });
    assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
    const received = loki.lines().map((entry) => JSON.parse(entry.line) as Record<string, unknown>);
    assert.ok(
      received.some((line) => line.level === 'error' && String(line.message).startsWith(`cannot listen on port ${port}`)),
      `Loki got the error line: ${JSON.stringify(received)}`,
    );
  } finally {
    holder.close();
    await loki.close();
  }
});

test('an instance that cannot start still gets its error line out as an OTLP log record (ERROR) before it exits', async () => {
  const holder = createServer();
  holder.listen(0, '0.0.0.0');
  await once(holder, 'listening');
  const { port } = holder.address() as { port: number };
  const collector = await OtlpLogsReceiver.start();
  try {
    const run = await runToExit({
      PORT: String(port),
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: collector.endpoint,
      CONFIG_JSON: JSON.stringify(methodA('work', step(sleep('nap', 1)))),
    });
    assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
    const errors = collector.records.filter((record) => record.severityText === 'error' && record.body.startsWith(`cannot listen on port ${port}`));
    assert.equal(errors.length, 1, `the collector got the error record: ${JSON.stringify(collector.records.map((record) => record.body))}`);
    assert.equal(errors[0].severityNumber, 17);
  } finally {
    holder.close();
    await collector.close();
  }
});
