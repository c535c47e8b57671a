import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LogStore, OtlpTraceReceiver, QueryApiServer, TraceStore, logLineOfRecord, type ReceivedExport } from '../../src/collector';
import { lokiSource } from '../../src/verify/loki-reader';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** Emits `act`'s records through the real logs SDK and its OTLP/gRPC exporter, then flushes and shuts down. */
async function logThroughSdk(endpoint: string, act: (provider: LoggerProvider) => void): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'payments' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: endpoint }) })],
  });
  try {
    act(provider);
    await provider.forceFlush();
  } finally {
    await provider.shutdown();
  }
}

test('LogsService: records from the real OTLP log exporter decode with severity, body, attributes and trace context, on the trace port', async () => {
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  const exports: ReceivedExport[] = [];
  receiver.onExport((request) => exports.push(request));
  try {
    const inSpan = trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }));
    await logThroughSdk(receiver.endpoint, (provider) => {
      const logger = provider.getLogger('thespian');
      logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'error', body: 'call card network failed', attributes: { 'thespian.step.name': 'call card network', attempt: 2 }, context: inSpan });
      logger.emit({ severityNumber: SeverityNumber.WARN, body: 'outside any span' });
    });
    const records = await receiver.waitForLogs((all) => all.length >= 2, 10_000);
    assert.equal(records.length, 2);
    const [failure, plain] = records;
    assert.equal(failure.service, 'payments');
    assert.equal(failure.severityNumber, SeverityNumber.ERROR);
    assert.equal(failure.severityText, 'error');
    assert.equal(failure.body, 'call card network failed');
    assert.deepEqual(failure.attributes, { 'thespian.step.name': 'call card network', attempt: 2 });
    assert.equal(failure.traceId, TRACE_ID);
    assert.equal(failure.spanId, SPAN_ID);
    assert.ok(failure.timeUnixNano > 1_700_000_000_000_000_000n, 'a real timestamp');
    assert.equal(plain.traceId, '');
    assert.equal(plain.severityText, '');

    // As the lines Thespian pushes to Loki: the level from the severity when there is no text.
    assert.deepEqual(logLineOfRecord(plain).labels, { service_name: 'payments', level: 'warn' });
    const line = logLineOfRecord(failure);
    assert.deepEqual(line.labels, { service_name: 'payments', level: 'error' });
    assert.deepEqual(JSON.parse(line.line), { 'thespian.step.name': 'call card network', attempt: 2, level: 'error', message: 'call card network failed', service_name: 'payments', trace_id: TRACE_ID, span_id: SPAN_ID });
    // Loki 3's OTLP endpoint keeps these as structured metadata, named so; only those a record has.
    assert.deepEqual(line.metadata, { severity_number: String(SeverityNumber.ERROR), severity_text: 'error', trace_id: TRACE_ID, span_id: SPAN_ID });
    assert.deepEqual(logLineOfRecord(plain).metadata, { severity_number: String(SeverityNumber.WARN) });

    // The request itself, for forwarding: what came, counted in records.
    assert.equal(exports.length, 1);
    assert.equal(exports[0].signal, 'logs');
    assert.equal(exports[0].items, 2);
    assert.ok(exports[0].body.length > 50);
  } finally {
    await receiver.close();
  }
});

test('OTLP log records in the log store are found by verify\'s Loki reader through the query API, by trace id and with their level', async () => {
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  const logs = new LogStore(1000);
  receiver.onLogs((records) => logs.add(records.map(logLineOfRecord)));
  const query = await QueryApiServer.start({ traces: new TraceStore(10), logs, port: 0 });
  try {
    const inSpan = trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }));
    const from = Date.now() - 1000;
    await logThroughSdk(receiver.endpoint, (provider) => {
      const logger = provider.getLogger('thespian');
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: 'step started', context: inSpan });
      logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'error', body: 'step failed', context: inSpan });
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: 'another trace' });
    });
    await receiver.waitForLogs((all) => all.length >= 3, 10_000);
    const lines = await lokiSource(query.url).fetch(TRACE_ID, from, Date.now() + 1000);
    assert.deepEqual(lines.map((line) => line.level), ['info', 'error']);
    assert.deepEqual(lines.map((line) => JSON.parse(line.line).message), ['step started', 'step failed']);
  } finally {
    await Promise.all([receiver.close(), query.close()]);
  }
});

test('OTLP log records are found through the query API by the label filter that Loki 3 and Grafana\'s trace→logs link use, | trace_id="…"', async () => {
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  const logs = new LogStore(1000);
  receiver.onLogs((records) => logs.add(records.map(logLineOfRecord)));
  const query = await QueryApiServer.start({ traces: new TraceStore(10), logs, port: 0 });
  try {
    const inSpan = trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }));
    await logThroughSdk(receiver.endpoint, (provider) => {
      const logger = provider.getLogger('thespian');
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: 'step started', context: inSpan });
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: 'another trace' });
    });
    await receiver.waitForLogs((all) => all.length >= 2, 10_000);
    const ask = async (logql: string) => {
      const response = await fetch(`${query.url}/loki/api/v1/query_range?${new URLSearchParams({ query: logql, direction: 'forward' })}`);
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as { data: { result: { stream: Record<string, string>; values: [string, string][] }[] } };
      return body.data.result.flatMap((stream) => stream.values.map(([, line]) => JSON.parse(line).message as string));
    };
    assert.deepEqual(await ask(`{service_name="payments"} | trace_id="${TRACE_ID}"`), ['step started']);
    assert.deepEqual(await ask(`{service_name="payments"} | span_id="${SPAN_ID}" | severity_text="info"`), ['step started']);
    assert.deepEqual(await ask(`{service_name="payments"} | severity_text="info"`), ['step started', 'another trace']);
  } finally {
    await Promise.all([receiver.close(), query.close()]);
  }
});

test('MetricsService: the real OTLP metric exporter\'s histogram, counter and gauge decode with buckets, temporality and attributes', async () => {
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: receiver.endpoint }), exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'catalog' }), readers: [reader] });
  try {
    const meter = provider.getMeter('thespian');
    const duration = meter.createHistogram('rpc.server.call.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
    const ok = { 'rpc.method': 'thespian.Thespian/A', 'rpc.status_code': 'OK' };
    for (const seconds of [0.005, 0.05, 0.05, 0.5, 5]) duration.record(seconds, ok);
    duration.record(0.02, { 'rpc.method': 'thespian.Thespian/A', 'rpc.status_code': 'INTERNAL' });
    meter.createCounter('thespian.injected.failures').add(3, { 'rpc.status_code': 'INTERNAL' });
    meter.createObservableGauge('thespian.queue').addCallback((result) => result.observe(7));
    await provider.shutdown();

    const points = receiver.metricPoints();
    const histograms = points.filter((point) => point.metric === 'rpc.server.call.duration');
    assert.equal(histograms.length, 2);
    const okPoint = histograms.find((point) => point.attributes['rpc.status_code'] === 'OK')!;
    assert.equal(okPoint.service, 'catalog');
    assert.equal(okPoint.unit, 's');
    assert.equal(okPoint.kind, 'histogram');
    assert.equal(okPoint.temporality, 'cumulative');
    assert.deepEqual(okPoint.attributes, ok);
    assert.deepEqual(okPoint.histogram?.explicitBounds, [0.01, 0.1, 1]);
    assert.deepEqual(okPoint.histogram?.bucketCounts, [1, 2, 1, 1]);
    assert.equal(okPoint.histogram?.count, 5);
    assert.ok(Math.abs((okPoint.histogram?.sum ?? 0) - 5.605) < 1e-9);
    assert.ok(okPoint.timeUnixNano >= okPoint.startTimeUnixNano && okPoint.startTimeUnixNano > 0n);

    const counter = points.find((point) => point.metric === 'thespian.injected.failures')!;
    assert.deepEqual([counter.kind, counter.temporality, counter.value], ['sum', 'cumulative', 3]);
    const gauge = points.find((point) => point.metric === 'thespian.queue')!;
    assert.deepEqual([gauge.kind, gauge.value], ['gauge', 7]);
  } finally {
    await receiver.close();
  }
});
