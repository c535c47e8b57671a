import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OtlpTraceReceiver } from '../../src/collector/otlp-trace-receiver';
import type { ReceivedSpan } from '../../src/collector/received-span';

// Runs `act` with a tracer whose spans go through the real SDK and the real OTLP/gRPC exporter to
// the receiver, then flushes and shuts the SDK down so no client connection outlives the test.
async function exportThroughSdk(
  receiver: OtlpTraceReceiver,
  act: (tracer: Tracer) => void,
  compression = CompressionAlgorithm.NONE,
): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: receiver.endpoint, compression });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  try {
    act(provider.getTracer('thespian-test', '1.2.3'));
    await provider.forceFlush();
  } finally {
    await provider.shutdown();
  }
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.find((span) => span.name === name);
  assert.ok(found, `no span named ${name} among ${spans.map((span) => span.name).join(', ')}`);
  return found;
}

test('decodes what the real OTLP/gRPC exporter sends: ids, parents, kinds, attributes, events, status', async () => {
  const receiver = await OtlpTraceReceiver.start();
  try {
    assert.match(receiver.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(receiver.endpoint, `http://127.0.0.1:${receiver.port}`);

    const ids: Record<string, { traceId: string; spanId: string }> = {};
    await exportThroughSdk(receiver, (tracer) => {
      const root = tracer.startSpan('GET /checkout', {
        kind: SpanKind.SERVER,
        attributes: {
          'thespian.method': 'A',
          'http.status_code': 200,
          ratio: 2.5,
          cached: false,
          tags: ['a', 'b'],
          sizes: [1, 2, 3],
          where: { region: 'eu', shard: 3 },
          raw: new Uint8Array([1, 2, 255]),
          nothing: null,
        },
      });
      const inRoot = trace.setSpan(context.active(), root);
      const load = tracer.startSpan('load-cart', { kind: SpanKind.INTERNAL }, inRoot);
      load.addEvent('cache miss', { 'cache.key': 'cart:7', attempt: 2 });
      load.end();
      const call = tracer.startSpan('CallService/B', { kind: SpanKind.CLIENT, links: [{ context: load.spanContext() }] }, inRoot);
      call.recordException(new Error('boom'));
      call.setStatus({ code: SpanStatusCode.ERROR, message: 'downstream failed' });
      call.end();
      root.setStatus({ code: SpanStatusCode.OK });
      root.end();
      const other = tracer.startSpan('timed', { startTime: [1_700_000_000, 123_456_789] });
      other.end([1_700_000_001, 500_000_000]);
      for (const span of [root, load, call, other]) ids[(span as unknown as { name: string }).name] = span.spanContext();
    });

    const spans = await receiver.waitFor((all) => all.length >= 4, 10_000);
    assert.equal(spans.length, 4);
    const root = byName(spans, 'GET /checkout');
    const load = byName(spans, 'load-cart');
    const call = byName(spans, 'CallService/B');
    const timed = byName(spans, 'timed');

    assert.equal(root.traceId, ids['GET /checkout'].traceId);
    assert.equal(root.spanId, ids['GET /checkout'].spanId);
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.match(root.spanId, /^[0-9a-f]{16}$/);
    assert.equal(root.parentSpanId, '');
    assert.equal(load.parentSpanId, root.spanId);
    assert.equal(call.parentSpanId, root.spanId);
    assert.equal(load.traceId, root.traceId);
    assert.notEqual(timed.traceId, root.traceId);

    assert.equal(root.service, 'checkout');
    assert.equal(root.resource['deployment.environment'], 'test');
    assert.equal(root.scope, 'thespian-test');
    assert.equal(root.kind, 'SERVER');
    assert.equal(load.kind, 'INTERNAL');
    assert.equal(call.kind, 'CLIENT');

    assert.deepEqual(root.attributes, {
      'thespian.method': 'A',
      'http.status_code': 200,
      ratio: 2.5,
      cached: false,
      tags: ['a', 'b'],
      sizes: [1, 2, 3],
      where: { region: 'eu', shard: 3 },
      raw: Buffer.from([1, 2, 255]),
      nothing: '',
    });

    assert.deepEqual(load.events.map((event) => [event.name, event.attributes]), [['cache miss', { 'cache.key': 'cart:7', attempt: 2 }]]);
    assert.ok(load.events[0].timeUnixNano >= load.startTimeUnixNano);
    assert.deepEqual(call.links, [{ traceId: load.traceId, spanId: load.spanId }]);

    assert.deepEqual(call.status, { code: 'ERROR', message: 'downstream failed' });
    assert.deepEqual(root.status, { code: 'OK', message: '' });
    assert.deepEqual(load.status, { code: 'UNSET', message: '' });
    const exception = call.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes['exception.message'], 'boom');

    // fixed64 nanosecond times survive intact, and durations keep nanosecond precision.
    assert.equal(timed.startTimeUnixNano, 1_700_000_000_123_456_789n);
    assert.equal(timed.endTimeUnixNano, 1_700_000_001_500_000_000n);
    assert.equal(timed.startMs, 1_700_000_000_123.456_789);
    assert.ok(Math.abs(timed.durationMs - 1376.543211) < 1e-9);
    assert.ok(root.durationMs >= 0);

    assert.deepEqual(receiver.traceIds().sort(), [root.traceId, timed.traceId].sort());
    assert.deepEqual(receiver.trace(root.traceId.toUpperCase()).map((span) => span.name).sort(), ['CallService/B', 'GET /checkout', 'load-cart']);
  } finally {
    await receiver.close();
  }
});

test('accepts gzip-compressed exports', async () => {
  const receiver = await OtlpTraceReceiver.start();
  try {
    await exportThroughSdk(receiver, (tracer) => tracer.startSpan('zipped', { attributes: { pad: 'x'.repeat(10_000) } }).end(), CompressionAlgorithm.GZIP);
    const [span] = await receiver.waitFor((all) => all.length === 1, 10_000);
    assert.equal(span.name, 'zipped');
    assert.equal(span.attributes.pad, 'x'.repeat(10_000));
  } finally {
    await receiver.close();
  }
});

test('failWith makes Export answer that gRPC status until it is cleared', async () => {
  const receiver = await OtlpTraceReceiver.start({ failWith: status.PERMISSION_DENIED });
  // Finished spans captured in memory, so the same batch can be exported twice by hand.
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  provider.getTracer('t').startSpan('refused').end();
  const finished = memory.getFinishedSpans();
  const exporter = new OTLPTraceExporter({ url: receiver.endpoint });
  const exportOnce = () => new Promise<ExportResult>((resolve) => exporter.export(finished, resolve));
  try {
    const refused = await exportOnce();
    assert.equal(refused.code, ExportResultCode.FAILED);
    assert.match(String(refused.error?.message), /told to fail/);
    assert.equal(receiver.spans().length, 0);

    receiver.failWith = undefined;
    const accepted = await exportOnce();
    assert.equal(accepted.code, ExportResultCode.SUCCESS);
    assert.deepEqual(receiver.spans().map((span) => span.name), ['refused']);
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
    await receiver.close();
  }
});

test('keeps at most maxSpans, dropping the oldest and counting them', async () => {
  const receiver = await OtlpTraceReceiver.start({ maxSpans: 3 });
  try {
    await exportThroughSdk(receiver, (tracer) => {
      for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    });
    await receiver.waitFor(() => receiver.dropped + receiver.spans().length === 5, 10_000);
    assert.deepEqual(receiver.spans().map((span) => span.name), ['s2', 's3', 's4']);
    assert.equal(receiver.dropped, 2);
    receiver.clear();
    assert.equal(receiver.spans().length, 0);
    assert.equal(receiver.dropped, 0);
  } finally {
    await receiver.close();
  }
});

test('onSpans sees each batch until unsubscribed; waitFor times out with a listing of what came', async () => {
  const receiver = await OtlpTraceReceiver.start();
  try {
    const batches: string[][] = [];
    const unsubscribe = receiver.onSpans((spans) => batches.push(spans.map((span) => span.name)));
    await exportThroughSdk(receiver, (tracer) => tracer.startSpan('first').end());
    await receiver.waitFor((all) => all.length === 1, 10_000);
    assert.deepEqual(batches, [['first']]);

    unsubscribe();
    await exportThroughSdk(receiver, (tracer) => tracer.startSpan('second').end());
    await receiver.waitFor((all) => all.length === 2, 10_000);
    assert.deepEqual(batches, [['first']]);

    await assert.rejects(receiver.waitFor((all) => all.some((span) => span.name === 'third'), 50), (error: Error) => {
      assert.match(error.message, /condition not met within 50 ms; received 2 spans in 2 traces/);
      assert.match(error.message, /checkout "first" INTERNAL UNSET/);
      assert.match(error.message, /checkout "second"/);
      return true;
    });
    await assert.rejects(receiver.waitFor(() => { throw new Error('bad predicate'); }, 1000), /bad predicate/);
  } finally {
    await receiver.close();
  }
});
