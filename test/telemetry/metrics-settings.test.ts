import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';
import { OtlpMetricsReceiver } from '../support/otlp-metrics-receiver';
import { freePort } from '../support/free-port';

after(() => closeClients());

const BEHAVIOUR = methodA('serve', step(sleep('work', 1)));

function problems(instance: InstanceProcess): Record<string, unknown>[] {
  return instance.logs.filter((line) => line.level === 'warn' || line.level === 'error');
}

async function callAFew(instance: InstanceProcess): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
}

test("by default no metrics are exported: an instance whose OTLP backend takes only traces (the original's Tempo) neither fails nor warns", async () => {
  const tempo = await OtlpTraceReceiver.start(); // serves TraceService only, as a traces-only Tempo does
  // A short interval: were metrics on by default, the first failed export would come within the test.
  const instance = await startInstance({ env: { ...exportTo(tempo), OTEL_METRIC_EXPORT_INTERVAL: '100' }, behaviour: BEHAVIOUR });
  await callAFew(instance);
  await delay(1000);
  const { code } = await instance.stop();
  assert.equal(code, 0);
  assert.deepEqual(problems(instance), []);
  assert.equal(instance.stderr(), '');
  assert.equal(instance.logs.find((line) => line.message === `listening on port ${instance.port}`)?.metrics, 'none');
  assert.ok(tempo.spans().length > 0, 'the traces still arrive');
  await tempo.close();
});

test('OTEL_METRICS_EXPORTER=otlp at a backend that takes only traces: the failing export is said once, and requests go on', async () => {
  const tempo = await OtlpTraceReceiver.start();
  const instance = await startInstance({
    env: { ...exportTo(tempo), OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '100' },
    behaviour: BEHAVIOUR,
  });
  const [warning] = await instance.waitForLines((line) => String(line.message).startsWith('metric export to '), 1, 15_000);
  assert.match(String(warning.message), new RegExp(`^metric export to http://127\\.0\\.0\\.1:${tempo.port} is failing: .*UNIMPLEMENTED`));
  await callAFew(instance);
  await delay(500);
  assert.equal(instance.logs.filter((line) => String(line.message).startsWith('metric export to ')).length, 1, 'said once, not at every export');
  assert.equal((await instance.stop()).code, 0);
  await tempo.close();
});

test('a Prometheus scrape port that is taken costs the metrics, not the instance: said once, and requests are served', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as { port: number }).port;
  const instance = await startInstance({
    env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
    behaviour: BEHAVIOUR,
  });
  const [warning] = await instance.waitForLines((line) => String(line.message).includes('Prometheus scrape endpoint cannot listen'), 1, 15_000);
  assert.match(String(warning.message), new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
  await callAFew(instance);
  assert.equal((await instance.stop()).code, 0);
  holder.close();
});

test('a bad OTEL_METRICS_EXPORTER or OTEL_EXPORTER_PROMETHEUS_PORT is refused at start: exit 2, each problem on its own line', async () => {
  const { code, stderr, stdout } = await runToExit({
    CONFIG_JSON: JSON.stringify(BEHAVIOUR),
    OTEL_METRICS_EXPORTER: 'graphite',
    OTEL_EXPORTER_PROMETHEUS_PORT: '99999',
  });
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.deepEqual(stderr.trim().split('\n').sort(), [
    'OTEL_EXPORTER_PROMETHEUS_PORT: must be from 1 to 65535 (got 99999)',
    'OTEL_METRICS_EXPORTER: must be one of otlp, prometheus, console, none, or a comma-separated list of them (got "graphite")',
  ]);
});

test('an invalid OTEL_METRIC_EXPORT_INTERVAL is warned about and the default used, like the other OTEL_* numbers', async () => {
  const instance = await startInstance({ env: { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: 'soon' }, behaviour: BEHAVIOUR });
  assert.deepEqual(
    problems(instance).map((line) => line.message),
    ['OTEL_METRIC_EXPORT_INTERVAL: must be a whole number of at least 1 (got "soon"); using the default 60000'],
  );
  await callAFew(instance);
  assert.equal((await instance.stop()).code, 0);
});

test('OTEL_METRICS_EXPORTER=otlp,prometheus: the same counts are pushed over OTLP and served for scraping', async () => {
  const receiver = await OtlpMetricsReceiver.start();
  const scrapePort = await freePort();
  const instance = await startInstance({
    env: {
      OTEL_METRICS_EXPORTER: 'otlp, prometheus',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(scrapePort),
      SERVICE_NAME: 'both',
    },
    behaviour: BEHAVIOUR,
  });
  const listening = instance.logs.find((line) => line.message === `listening on port ${instance.port}`);
  assert.equal(listening?.metrics, `${receiver.endpoint}, prometheus scrape on 127.0.0.1:${scrapePort}/metrics`);
  await callAFew(instance);
  const scrape = await (await fetch(`http://127.0.0.1:${scrapePort}/metrics`)).text();
  assert.match(scrape, /^rpc_server_call_duration_count\{[^}]*rpc_status_code="OK"[^}]*\} 3( \d+)?$/m);
  assert.equal((await instance.stop()).code, 0);
  const pushed = receiver.latest('both', 'rpc.server.call.duration').reduce((sum, point) => sum + (point.count ?? 0), 0);
  assert.equal(pushed, 3, 'the last export at shutdown holds the same count');
  assert.deepEqual(problems(instance), []);
  await receiver.close();
});

test('OTEL_METRICS_EXPORTER: an unknown member of a list is named, and none with others is refused: exit 2', async () => {
  const run = (value: string) => runToExit({ CONFIG_JSON: JSON.stringify(BEHAVIOUR), OTEL_METRICS_EXPORTER: value });
  const unknown = await run('otlp,graphite');
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim(), 'OTEL_METRICS_EXPORTER: must be one of otlp, prometheus, console, none, or a comma-separated list of them (got "graphite" in "otlp,graphite")');
  const withNone = await run('none,prometheus');
  assert.equal(withNone.code, 2);
  assert.equal(withNone.stderr.trim(), 'OTEL_METRICS_EXPORTER: none cannot be combined with other exporters (got "none,prometheus")');
});
