import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { LokiPushReceiver, OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { OtlpLogsReceiver, type ReceivedLogRecord } from '../support/otlp-logs-receiver';
import { OtlpMetricsReceiver, type ReceivedPoint } from '../support/otlp-metrics-receiver';
import { exportTo } from '../support/telemetry-env';

after(() => closeClients());

const CALLS = 30;
/** SeverityNumber.ERROR and INFO in the OTLP data model. */
const SEVERITY_ERROR = 17;
const SEVERITY_INFO = 9;

const BEHAVIOUR = methodA(
  'checkout',
  step(sleep('charge card', 1, 0.4)),
  step({ Log: { level: 'warn', message: 'cart is large', attributes: { 'cart.items': 42 } } }),
);

/** A line or record as level | message | trace_id | span_id, so stdout and OTLP can be compared as multisets. */
function lineKey(line: Record<string, unknown>): string {
  return [line.level, line.message, line.trace_id ?? '', line.span_id ?? ''].join(' | ');
}
function recordKey(record: ReceivedLogRecord): string {
  return [record.severityText, record.body, record.traceId, record.spanId].join(' | ');
}

function sum(points: ReceivedPoint[], where: (attributes: Readonly<Record<string, string>>) => boolean): number {
  return points.filter((point) => where(point.attributes)).reduce((total, point) => total + (point.value ?? 0), 0);
}

test('OTEL_LOGS_EXPORTER=otlp beside LOKI_ADDRESS: one record per stdout line, at its level, with the step span as native trace context, the step attributes and service.name; all flushed at shutdown, and each path counted apart', async () => {
  const traces = await OtlpTraceReceiver.start();
  const logs = await OtlpLogsReceiver.start();
  const metrics = await OtlpMetricsReceiver.start();
  const loki = await LokiPushReceiver.start();
  const instance = await startInstance({
    env: {
      ...exportTo(traces, loki),
      SERVICE_NAME: 'shop',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: logs.endpoint,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    },
    behaviour: BEHAVIOUR,
  });
  const results = [];
  for (let i = 0; i < CALLS; i++) results.push(await callMethod(instance.address, 'A'));
  const failed = results.filter((result) => result.code === grpc.status.INTERNAL).length;
  assert.ok(failed > 0 && failed < CALLS, `a mix of outcomes (${failed} of ${CALLS} failed)`);
  assert.equal((await instance.stop()).code, 0);

  // Every stdout line, `stopped` included, arrived once as a record with the same level, message and ids.
  assert.deepEqual(logs.records.map(recordKey).sort(), instance.logs.map(lineKey).sort());
  assert.ok(logs.records.every((record) => record.service === 'shop'), 'the resource carries service.name');

  // The ids are the record's own fields, and name a span the trace receiver got: the step's own span.
  const spans = new Map(traces.spans().map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const starts = logs.records.filter((record) => record.body === 'Sleep "charge card" started');
  assert.equal(starts.length, CALLS);
  for (const record of starts) {
    assert.equal(spans.get(`${record.traceId}/${record.spanId}`)?.name, 'charge card');
    assert.equal(record.severityNumber, SEVERITY_INFO);
    assert.deepEqual([record.attributes.step, record.attributes.kind, record.attributes.service_name], ['charge card', 'Sleep', 'shop']);
    assert.equal(record.attributes.trace_id, undefined, 'the ids are not repeated as attributes');
  }
  const failures = logs.records.filter((record) => record.severityText === 'error');
  assert.equal(failures.length, failed, 'one error record per injected failure');
  for (const record of failures) {
    assert.equal(record.severityNumber, SEVERITY_ERROR);
    assert.equal(record.attributes.step, 'charge card');
    assert.equal(record.attributes.code, 'INTERNAL');
    const span = spans.get(`${record.traceId}/${record.spanId}`);
    assert.equal(span?.name, 'charge card');
    assert.equal(span?.status.code, 'ERROR');
  }
  const logSteps = logs.records.filter((record) => record.body === 'cart is large');
  assert.equal(logSteps.length, CALLS - failed);
  assert.ok(logSteps.every((record) => record.attributes['cart.items'] === '42' && record.attributes.kind === 'Log' && spans.get(`${record.traceId}/${record.spanId}`)?.name === 'checkout'));

  // The `stopped` line counts every record before it as exported, and the final metrics count them all.
  const stopped = instance.logs.find((line) => line.message === 'stopped')!;
  assert.equal(stopped.otlp_log_records_exported, logs.records.length - 1);
  assert.deepEqual(
    [stopped.otlp_log_records_dropped_queue_full, stopped.otlp_log_records_dropped_export_failed, stopped.otlp_log_records_dropped_at_shutdown],
    [0, 0, 0],
  );
  const isOtlpExporter = (attributes: Readonly<Record<string, string>>) => attributes['otel.component.type'] === 'otlp_grpc_log_exporter';
  assert.equal(sum(metrics.latest('shop', 'otel.sdk.log.created'), () => true), logs.records.length);
  assert.equal(sum(metrics.latest('shop', 'otel.sdk.exporter.log.exported'), (a) => isOtlpExporter(a) && a['error.type'] === undefined), logs.records.length);
  assert.equal(sum(metrics.latest('shop', 'otel.sdk.exporter.log.exported'), (a) => isOtlpExporter(a) && a['error.type'] !== undefined), 0);
  // Loki got the same lines by its own path, counted under its own component.
  assert.equal(loki.lines().length, instance.logs.length);
  const isLoki = (attributes: Readonly<Record<string, string>>) => attributes['otel.component.type'] === 'winston_loki';
  assert.equal(sum(metrics.latest('shop', 'otel.sdk.exporter.log.exported'), (a) => isLoki(a) && a['error.type'] === undefined), loki.lines().length);
  await Promise.all([traces.close(), logs.close(), metrics.close(), loki.close()]);
});
