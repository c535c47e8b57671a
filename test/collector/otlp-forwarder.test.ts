import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OtlpTraceReceiver, startOtlpForwarder, type OtlpForwarder } from '../../src/collector';
import { blackHole } from '../support/black-hole';
import { freePort } from '../support/free-port';

const resource = resourceFromAttributes({ 'service.name': 'orders' });

/** Sends 3 spans, a histogram with 2 series and 2 log records through the real SDKs and OTLP/gRPC exporters to `endpoint`. */
async function sendAllThree(endpoint: string): Promise<void> {
  const tracer = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) })] });
  for (const name of ['create order', 'reserve stock', 'charge card']) tracer.getTracer('t').startSpan(name).end();
  const meter = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: endpoint }), exportIntervalMillis: 60_000 })] });
  const duration = meter.getMeter('m').createHistogram('rpc.server.call.duration', { unit: 's' });
  duration.record(0.02, { 'rpc.status_code': 'OK' });
  duration.record(0.5, { 'rpc.status_code': 'INTERNAL' });
  const logger = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: endpoint }) })] });
  logger.getLogger('l').emit({ severityNumber: SeverityNumber.INFO, body: 'order created' });
  logger.getLogger('l').emit({ severityNumber: SeverityNumber.ERROR, body: 'card declined' });
  await Promise.all([tracer.shutdown(), meter.shutdown(), logger.shutdown()]);
}

/** A receiver as `thespian up` has it, every accepted request handed to `forwarder`. */
async function embeddedCollector(forwarder: OtlpForwarder): Promise<OtlpTraceReceiver> {
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  receiver.onExport((request) => forwarder.forward(request));
  return receiver;
}

test('forwards all three signals as they came to a real OTLP backend, and counts them sent', async () => {
  const backend = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  const forwarder = startOtlpForwarder(backend.endpoint);
  const embedded = await embeddedCollector(forwarder);
  try {
    await sendAllThree(embedded.endpoint);
    await embedded.close();
    await forwarder.shutdown(10_000);

    assert.deepEqual(backend.spans().map((span) => span.name).sort(), ['charge card', 'create order', 'reserve stock']);
    assert.deepEqual(backend.spans(), embedded.spans(), 'the spans arrive as they were received, resource and all');
    assert.deepEqual(backend.metricPoints(), embedded.metricPoints());
    assert.equal(backend.metricPoints().length, 2);
    assert.deepEqual(backend.logRecords(), embedded.logRecords());
    assert.deepEqual(backend.logRecords().map((record) => record.body), ['order created', 'card declined']);
    const none = { droppedQueueFull: 0, droppedFailed: 0, droppedAtShutdown: 0 };
    assert.deepEqual(forwarder.counts(), { traces: { sent: 3, ...none }, metrics: { sent: 2, ...none }, logs: { sent: 2, ...none } });
  } finally {
    await Promise.all([embedded.close(), backend.close()]);
  }
});

test('a backend that refuses (UNAVAILABLE) or is not there: each lost item is counted as failed, and the first failure is said once', async () => {
  const refusing = await OtlpTraceReceiver.start({ metricsAndLogs: true, failWith: status.UNAVAILABLE });
  const nobody = `http://127.0.0.1:${await freePort()}`;
  try {
    for (const url of [refusing.endpoint, nobody]) {
      const said: string[] = [];
      const forwarder = startOtlpForwarder(url, { onFirstFailure: (message) => said.push(message) });
      const embedded = await embeddedCollector(forwarder);
      await sendAllThree(embedded.endpoint);
      await embedded.close();
      await forwarder.shutdown(10_000);
      const counts = forwarder.counts();
      assert.deepEqual([counts.traces.droppedFailed, counts.metrics.droppedFailed, counts.logs.droppedFailed], [3, 2, 2], url);
      assert.deepEqual([counts.traces.sent, counts.metrics.sent, counts.logs.sent], [0, 0, 0]);
      assert.equal(said.length, 1, `said once: ${said.join(' | ')}`);
      assert.match(said[0], new RegExp(`forwarding \\w+ to ${url.replace(/\./g, '\\.')} failed \\(14 UNAVAILABLE`));
    }
    assert.deepEqual(refusing.spans(), []);
  } finally {
    await refusing.close();
  }
});

test('a backend that accepts the connection and never answers: shutdown ends at its deadline, and what was on the way or queued is counted as cut', async () => {
  const hole = await blackHole();
  const forwarder = startOtlpForwarder(hole.endpoint);
  const embedded = await embeddedCollector(forwarder);
  try {
    await sendAllThree(embedded.endpoint);
    await embedded.close();
    const started = Date.now();
    await forwarder.shutdown(500);
    assert.ok(Date.now() - started < 5_000, 'the shutdown keeps to its deadline (not the 10 s of a request)');
    const counts = forwarder.counts();
    assert.deepEqual([counts.traces.droppedAtShutdown, counts.metrics.droppedAtShutdown, counts.logs.droppedAtShutdown], [3, 2, 2]);
    assert.deepEqual([counts.traces.sent, counts.metrics.sent, counts.logs.sent], [0, 0, 0]);
  } finally {
    await Promise.all([embedded.close(), hole.close()]);
  }
});

test('a queue full of requests a stalled backend has not taken: what does not fit is refused and counted, memory stays bounded', async () => {
  const hole = await blackHole();
  // Room for four one-byte requests in all: the bound covers the requests on the way too, which a
  // black hole never answers, so four of them use it up and everything after is refused.
  const forwarder = startOtlpForwarder(hole.endpoint, { maxQueuedBytes: 4 });
  try {
    const request = (signal: 'traces' | 'logs', items: number) => ({ signal, body: Buffer.alloc(1), items });
    for (let i = 0; i < 4; i++) forwarder.forward(request('traces', 10));
    for (let i = 0; i < 3; i++) forwarder.forward(request('logs', 1));
    const counts = forwarder.counts();
    assert.equal(counts.traces.droppedQueueFull, 0);
    assert.equal(counts.logs.droppedQueueFull, 3, 'requests on the way count against the bound');
    await forwarder.shutdown(200);
    const after = forwarder.counts();
    assert.equal(after.traces.droppedAtShutdown, 40);
    assert.equal(after.logs.droppedAtShutdown, 0);
    forwarder.forward(request('traces', 5));
    assert.equal(forwarder.counts().traces.droppedAtShutdown, 45, 'what comes after the shutdown is counted too');
  } finally {
    await hole.close();
  }
});

/** An OTLP TraceService that refuses the first `refusals` requests with `code`, then takes them all; counts the calls. */
async function busyBackend(code: status, refusals: number): Promise<{ endpoint: string; calls: () => number; close: () => Promise<void> }> {
  const server = new Server();
  let calls = 0;
  const identity = (bytes: Buffer) => bytes;
  server.register(
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    (_call: unknown, callback: (error: { code: status; details: string } | null, value?: Buffer) => void) => {
      calls++;
      if (calls <= refusals) callback({ code, details: 'data refused due to high memory usage' });
      else callback(null, Buffer.alloc(0));
    },
    identity,
    identity,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { endpoint: `http://127.0.0.1:${port}`, calls: () => calls, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

// A collector's memory_limiter refuses with RESOURCE_EXHAUSTED and expects the sender to retry.
test('a backend that is briefly overloaded (RESOURCE_EXHAUSTED, UNAVAILABLE): the request is tried again and arrives; a lasting refusal is counted once tries run out', async () => {
  for (const code of [status.RESOURCE_EXHAUSTED, status.UNAVAILABLE]) {
    const backend = await busyBackend(code, 2);
    const forwarder = startOtlpForwarder(backend.endpoint);
    try {
      forwarder.forward({ signal: 'traces', body: Buffer.alloc(0), items: 7 });
      await forwarder.shutdown(10_000);
      assert.equal(backend.calls(), 3, `${status[code]}: two refusals, then the third try`);
      assert.deepEqual(forwarder.counts().traces, { sent: 7, droppedQueueFull: 0, droppedFailed: 0, droppedAtShutdown: 0 });
    } finally {
      await backend.close();
    }
  }
  const refusing = await busyBackend(status.RESOURCE_EXHAUSTED, Infinity);
  const forwarder = startOtlpForwarder(refusing.endpoint);
  try {
    forwarder.forward({ signal: 'traces', body: Buffer.alloc(0), items: 7 });
    await forwarder.shutdown(10_000);
    assert.equal(refusing.calls(), 3, 'three tries in all');
    assert.equal(forwarder.counts().traces.droppedFailed, 7);
  } finally {
    await refusing.close();
  }
  // A refusal that is not about load is not tried again.
  const invalid = await busyBackend(status.INVALID_ARGUMENT, Infinity);
  const once = startOtlpForwarder(invalid.endpoint);
  try {
    once.forward({ signal: 'traces', body: Buffer.alloc(0), items: 7 });
    await once.shutdown(10_000);
    assert.equal(invalid.calls(), 1);
    assert.equal(once.counts().traces.droppedFailed, 7);
  } finally {
    await invalid.close();
  }
});
