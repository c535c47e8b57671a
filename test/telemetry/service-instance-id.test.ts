import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';
import { OtlpMetricsReceiver, type ReceivedPoint } from '../support/otlp-metrics-receiver';
import { exportTo } from '../support/telemetry-env';

after(() => closeClients());

const INSTANCE_ID = 'service.instance.id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Receivers {
  traces: OtlpTraceReceiver;
  logs: OtlpLogsReceiver;
  metrics: OtlpMetricsReceiver;
}

async function startReceivers(): Promise<Receivers> {
  return { traces: await OtlpTraceReceiver.start(), logs: await OtlpLogsReceiver.start(), metrics: await OtlpMetricsReceiver.start() };
}

/** An instance of `cart` sending all three signals to the receivers, as a compose replica would. */
function startReplica(receivers: Receivers, env: Record<string, string> = {}): Promise<InstanceProcess> {
  return startInstance({
    env: {
      ...exportTo(receivers.traces),
      SERVICE_NAME: 'cart',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receivers.logs.endpoint,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receivers.metrics.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      ...env,
    },
    behaviour: methodA('add item', step(sleep('reserve', 1))),
  });
}

function listeningId(instance: InstanceProcess): unknown {
  return instance.logs.find((line) => String(line.message).startsWith('listening'))?.service_instance_id;
}

/** The points of `metric` in the last export from the instance `id` (its exports are cumulative; the other replica's come between). */
function latestOf(metrics: OtlpMetricsReceiver, id: string, metric: string): ReceivedPoint[] {
  const exports = metrics.exports.map((points) => points.filter((point) => point.metric === metric && point.resource[INSTANCE_ID] === id)).filter((points) => points.length > 0);
  return exports.at(-1) ?? [];
}

/** The distinct service.instance.ids on the spans and log records of `instance`'s trace. */
function idsSeen(receivers: Receivers, instance: InstanceProcess, traceId: string | undefined): { spans: unknown[]; logs: unknown[] } {
  assert.ok(traceId, 'the answer names its trace');
  const lineCount = instance.logs.length;
  const trace = receivers.traces.trace(traceId);
  assert.ok(trace.length > 0, 'its spans arrived');
  const records = receivers.logs.records.filter((record) => record.traceId === traceId);
  assert.ok(records.length > 0, 'its log records arrived');
  assert.ok(lineCount > records.length, 'the instance logged lines outside the trace too');
  return {
    spans: [...new Set(trace.map((span) => span.resource[INSTANCE_ID]))],
    logs: [...new Set(records.map((record) => record.resource[INSTANCE_ID]))],
  };
}

test('two replicas of one service, one receiver: each has its own service.instance.id, the same on its spans, metrics and log records, and on its listening line', async () => {
  const receivers = await startReceivers();
  const [first, second] = await Promise.all([startReplica(receivers), startReplica(receivers)]);
  const firstCall = await callMethod(first.address, 'A');
  const secondCall = await callMethod(second.address, 'A');
  assert.deepEqual([firstCall.code, secondCall.code], [0, 0]);
  assert.deepEqual([(await first.stop()).code, (await second.stop()).code], [0, 0]);

  const ids = [listeningId(first), listeningId(second)];
  assert.match(String(ids[0]), UUID, 'a random (version 4) UUID, as the semantic conventions suggest');
  assert.match(String(ids[1]), UUID);
  assert.notEqual(ids[0], ids[1], 'replicas with the same environment still differ');

  for (const [instance, call, id] of [[first, firstCall, ids[0]], [second, secondCall, ids[1]]] as const) {
    const seen = idsSeen(receivers, instance, call.traceId);
    assert.deepEqual(seen.spans, [id], 'its spans carry its id');
    assert.deepEqual(seen.logs, [id], 'its log records carry its id');
    // Every line it wrote came as a record under its id, none under the other's.
    assert.equal(receivers.logs.records.filter((record) => record.resource[INSTANCE_ID] === id).length, instance.logs.length);
    const requests = latestOf(receivers.metrics, String(id), 'rpc.server.call.duration');
    assert.deepEqual(requests.map((point) => point.count), [1], 'its one request is counted in a series of its own');
  }
  // Nothing arrived without an id, or with a third one.
  const allIds = new Set([
    ...receivers.traces.spans().map((span) => span.resource[INSTANCE_ID]),
    ...receivers.logs.records.map((record) => record.resource[INSTANCE_ID]),
    ...receivers.metrics.exports.flat().map((point) => point.resource[INSTANCE_ID]),
  ]);
  assert.deepEqual([...allIds].sort(), [...ids].sort());
  await Promise.all([receivers.traces.close(), receivers.logs.close(), receivers.metrics.close()]);
});

test('OTEL_RESOURCE_ATTRIBUTES=service.instance.id=… wins on all three signals and on the listening line', async () => {
  const receivers = await startReceivers();
  const instance = await startReplica(receivers, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=cart-0,deployment.environment.name=test' });
  const call = await callMethod(instance.address, 'A');
  assert.equal(call.code, 0);
  assert.equal((await instance.stop()).code, 0);

  assert.equal(listeningId(instance), 'cart-0');
  const seen = idsSeen(receivers, instance, call.traceId);
  assert.deepEqual([seen.spans, seen.logs], [['cart-0'], ['cart-0']]);
  const points = receivers.metrics.exports.flat();
  assert.ok(points.length > 0, 'metrics arrived');
  assert.deepEqual([...new Set(points.map((point) => point.resource[INSTANCE_ID]))], ['cart-0']);
  assert.ok(receivers.logs.records.every((record) => record.resource[INSTANCE_ID] === 'cart-0' && record.resource['deployment.environment.name'] === 'test'));
  await Promise.all([receivers.traces.close(), receivers.logs.close(), receivers.metrics.close()]);
});
