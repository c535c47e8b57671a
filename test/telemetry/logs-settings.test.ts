import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, runToExit, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';
import { blackHole } from '../support/black-hole';
import { exportTo } from '../support/telemetry-env';

after(() => closeClients());

const BEHAVIOUR = methodA('serve', step(sleep('work', 1)));

test('by default no OTLP logs are exported: an instance whose OTLP backend takes only traces (the original Tempo) neither fails nor warns', async () => {
  const tempo = await OtlpTraceReceiver.start(); // serves TraceService only
  const instance = await startInstance({ env: exportTo(tempo), behaviour: BEHAVIOUR });
  for (let i = 0; i < 3; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  // Past the batch processor's one-second delay: were logs on by default, the first export would have failed by now.
  await delay(1500);
  assert.equal((await instance.stop()).code, 0);
  assert.deepEqual(instance.logs.filter((line) => line.level === 'warn' || line.level === 'error'), []);
  assert.equal(instance.stderr(), '');
  assert.equal(instance.logs.find((line) => String(line.message).startsWith('listening'))?.otlp_logs, 'none');
  const stopped = instance.logs.find((line) => line.message === 'stopped')!;
  assert.deepEqual(Object.keys(stopped).filter((key) => key.startsWith('otlp_')), [], 'no OTLP log counts when there is no OTLP log export');
  assert.ok(tempo.spans().length > 0, 'the traces still arrive');
  await tempo.close();
});

test('OTLP logs go to OTEL_EXPORTER_OTLP_ENDPOINT when no logs endpoint is given, while OTEL_BACKEND_ADDRESS keeps the traces', async () => {
  const tempo = await OtlpTraceReceiver.start();
  const collector = await OtlpLogsReceiver.start();
  const instance = await startInstance({
    env: { ...exportTo(tempo), OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_LOGS_EXPORTER: ' OTLP ,otlp' },
    behaviour: BEHAVIOUR,
  });
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  assert.equal((await instance.stop()).code, 0);
  assert.equal(collector.records.length, instance.logs.length, 'one record per line; the name given twice is one exporter');
  assert.ok(tempo.spans().length > 0);
  await Promise.all([tempo.close(), collector.close()]);
});

test('a bad OTEL_LOGS_EXPORTER or OTLP logs endpoint is refused at start: exit 2, each problem on its own line', async () => {
  const refused = async (env: Record<string, string>) => {
    const { code, stderr, stdout } = await runToExit({ CONFIG_JSON: JSON.stringify(BEHAVIOUR), ...env });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    return stderr.trim().split('\n').sort();
  };
  assert.deepEqual(await refused({ OTEL_LOGS_EXPORTER: 'otlp,loki', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'ftp://collector:4317' }), [
    'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: must be an http:// or https:// address (got "ftp://collector:4317")',
    'OTEL_LOGS_EXPORTER: must be one of otlp, console, none, or a comma-separated list of them (got "loki" in "otlp,loki")',
  ]);
  assert.deepEqual(await refused({ OTEL_LOGS_EXPORTER: 'none,otlp' }), ['OTEL_LOGS_EXPORTER: none cannot be combined with other exporters (got "none,otlp")']);
});

test('an OTLP logs protocol other than grpc, or an invalid logs timeout, is warned about at start (Loki /otlp takes HTTP only), and the records still go over gRPC', async () => {
  const collector = await OtlpLogsReceiver.start();
  const instance = await startInstance({
    env: {
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: 'soon',
    },
    behaviour: BEHAVIOUR,
  });
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  assert.equal((await instance.stop()).code, 0);
  const warnings = instance.logs.filter((line) => line.level === 'warn').map((line) => line.message);
  assert.deepEqual(warnings.sort(), [
    'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: must be a whole number of at least 1 (got "soon"); using the default 10000',
    'OTEL_EXPORTER_OTLP_PROTOCOL: OTLP log records are sent over grpc only (got "http/protobuf"); using grpc. Loki\'s own /otlp endpoint takes HTTP only: send the records through a collector (see docs/logs.md)',
  ]);
  assert.equal(collector.records.length, instance.logs.length);
  await collector.close();
});

test('a logs export timeout refused with a warning really is replaced by the default: a black-holed endpoint is not given up on after 1.5 ms', async () => {
  const hole = await blackHole();
  const instance = await startInstance({
    env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: hole.endpoint, OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '1.5' },
    behaviour: BEHAVIOUR,
  });
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  // Past the first export (one second after the first line): with 1.5 ms it would have failed by now.
  await delay(2500);
  assert.equal((await instance.stop()).code, 0);
  assert.deepEqual(instance.logs.filter((line) => String(line.message).includes('OTLP log export')), [], 'no export gave up');
  const stopped = instance.logs.find((line) => line.message === 'stopped')!;
  assert.equal(stopped.otlp_log_records_dropped_export_failed, 0);
  assert.ok(Number(stopped.otlp_log_records_dropped_at_shutdown) > 0, 'still waiting for the black hole when the shutdown deadline passed');
  await hole.close();
});
