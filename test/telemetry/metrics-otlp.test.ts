import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { LokiPushReceiver, OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { callService, methodA, sleep, step } from '../support/behaviours';
import { OtlpMetricsReceiver, type ReceivedPoint } from '../support/otlp-metrics-receiver';

after(() => closeClients());

const CALLS = 40;

/** The sum over the points whose attributes include `where`, of their histogram count or value. */
function total(points: ReceivedPoint[], where: Record<string, string> = {}): number {
  return points
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + (point.count ?? point.value ?? 0), 0);
}

test('OTEL_METRICS_EXPORTER=otlp: RPC durations, steps and injected failures arrive over OTLP/gRPC with exact counts, flushed at shutdown', async () => {
  const metrics = await OtlpMetricsReceiver.start();
  const traces = await OtlpTraceReceiver.start();
  const loki = await LokiPushReceiver.start();
  // A long interval: the only export is the one at shutdown, so the counts prove the last flush.
  const metricsEnv = { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '60000' };
  const downstream = await startInstance({
    env: { ...metricsEnv, SERVICE_NAME: 'downstream' },
    behaviour: methodA('serve', step(sleep('work', 1, 0.5))),
  });
  const upstream = await startInstance({
    env: { ...metricsEnv, SERVICE_NAME: 'upstream', OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: traces.endpoint, LOKI_ADDRESS: loki.endpoint },
    behaviour: methodA('ask', step(sleep('nap', 1, 0.3)), step(callService('call downstream', downstream.port))),
  });
  const results = [];
  for (let i = 0; i < CALLS; i++) results.push(await callMethod(upstream.address, 'A'));
  const ok = results.filter((r) => r.code === grpc.status.OK).length;
  const internal = results.filter((r) => r.code === grpc.status.INTERNAL).length;
  assert.equal(ok + internal, CALLS, 'every answer is OK or an injected INTERNAL');
  assert.ok(ok > 0 && internal > 0, `a mix of outcomes (ok ${ok}, internal ${internal})`);

  await upstream.stop();
  await downstream.stop();

  const method = 'thespian.Thespian/A';
  const upServer = metrics.latest('upstream', 'rpc.server.call.duration');
  assert.equal(upServer[0]?.unit, 's');
  assert.equal(total(upServer, { 'rpc.system.name': 'grpc', 'rpc.method': method, 'rpc.status_code': 'OK' }), ok);
  assert.equal(total(upServer, { 'rpc.method': method, 'rpc.status_code': 'INTERNAL', 'error.type': 'INTERNAL' }), internal);
  assert.equal(total(upServer), CALLS);

  const upInjected = total(metrics.latest('upstream', 'thespian.injected.failures'), { 'thespian.step.name': 'nap', 'rpc.status_code': 'INTERNAL' });
  const downInjected = total(metrics.latest('downstream', 'thespian.injected.failures'), { 'thespian.step.name': 'work', 'rpc.status_code': 'INTERNAL' });
  assert.equal(upInjected + downInjected, internal, 'each INTERNAL the client saw was one injected failure, counted once');

  // What upstream saw of its calls is what downstream saw of them.
  const reachedDownstream = CALLS - upInjected;
  const upClient = metrics.latest('upstream', 'rpc.client.call.duration');
  const downServer = metrics.latest('downstream', 'rpc.server.call.duration');
  assert.equal(total(upClient), reachedDownstream);
  assert.equal(total(downServer), reachedDownstream);
  assert.equal(total(upClient, { 'rpc.status_code': 'INTERNAL' }), downInjected);
  assert.equal(total(downServer, { 'rpc.status_code': 'INTERNAL' }), downInjected);

  const steps = metrics.latest('upstream', 'thespian.step.duration');
  assert.equal(total(steps, { 'thespian.step.name': 'nap', 'thespian.step.kind': 'Sleep' }), CALLS);
  assert.equal(total(steps, { 'thespian.step.name': 'call downstream', 'thespian.step.kind': 'CallService' }), reachedDownstream);
  const inFlight = metrics.latest('upstream', 'thespian.requests.in_flight');
  assert.equal(inFlight.length, 1, 'the in-flight count is exported');
  assert.equal(total(inFlight), 0, 'nothing in flight after the drain');

  // Self-accounting: the spans the SDK says it exported are the ones the receiver got.
  const exported = metrics.latest('upstream', 'otel.sdk.exporter.span.exported');
  assert.equal(total(exported.filter((point) => point.attributes['error.type'] === undefined)), traces.spans().length);
  assert.ok(traces.spans().length > 0);
  assert.equal(total(metrics.latest('upstream', 'otel.sdk.span.ended')), traces.spans().length);
  // The last export follows the `stopped` line's own push, so it counts every line Loki got.
  const pushed = metrics.latest('upstream', 'otel.sdk.exporter.log.exported');
  assert.equal(total(pushed.filter((point) => point.attributes['error.type'] === undefined)), loki.lines().length);
  assert.ok(loki.lines().some((line) => line.line.includes('"stopped"')));
  await Promise.all([metrics.close(), traces.close(), loki.close()]);
});
