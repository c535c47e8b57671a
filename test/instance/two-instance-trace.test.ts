import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { callService, fn, methodA, sleep, step, together } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

let receiver: OtlpTraceReceiver;
let downstream: InstanceProcess;
let upstream: InstanceProcess;

before(async () => {
  receiver = await OtlpTraceReceiver.start();
  downstream = await startInstance({
    env: { ...exportTo(receiver), SERVICE_NAME: 'inventory' },
    behaviour: methodA('look up stock', step(sleep('query db', 5)), step(fn('reserve', step(sleep('lock row', 2))))),
  });
  upstream = await startInstance({
    env: { ...exportTo(receiver), SERVICE_NAME: 'checkout' },
    behaviour: methodA('place order', step(sleep('validate cart', 2)), together(callService('ask inventory', downstream.port), sleep('price cart', 3))),
  });
});

after(async () => {
  closeClients();
  await Promise.all([upstream?.stop(), downstream?.stop()]);
  await receiver?.close();
});

const byName = (spans: ReceivedSpan[], name: string) => {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `span "${name}" among ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
  return span;
};

test('a call across two instances is one trace, linked through the CLIENT and SERVER spans', async () => {
  const result = await callMethod(upstream.address, 'A');
  assert.equal(result.code, 0, result.details);
  assert.match(result.traceId ?? '', /^[0-9a-f]{32}$/, 'the trace id comes back in the response metadata');

  // 2 SERVER + 1 CLIENT + 4 upstream steps + 4 downstream steps.
  const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId).length >= 11, 10_000);
  const trace = spans.filter((span) => span.traceId === result.traceId);
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'no other trace was made');

  for (const name of ['place order', 'validate cart', 'ask inventory', 'price cart', 'look up stock', 'query db', 'reserve', 'lock row']) {
    const span = byName(trace, name);
    assert.equal(span.attributes._tracing_name, name, 'the original _tracing_name attribute is kept');
    assert.equal(span.status.code, 'UNSET');
  }
  assert.equal(byName(trace, 'place order').service, 'checkout');
  assert.equal(byName(trace, 'look up stock').service, 'inventory');

  const upstreamServer = trace.find((s) => s.kind === 'SERVER' && s.service === 'checkout')!;
  const client = trace.find((s) => s.kind === 'CLIENT')!;
  const downstreamServer = trace.find((s) => s.kind === 'SERVER' && s.service === 'inventory')!;
  assert.ok(upstreamServer && client && downstreamServer, 'SERVER, CLIENT and downstream SERVER spans exist');
  assert.equal(upstreamServer.parentSpanId, '', 'the upstream SERVER span is the root');
  assert.equal(byName(trace, 'place order').parentSpanId, upstreamServer.spanId);
  assert.equal(client.parentSpanId, byName(trace, 'ask inventory').spanId, 'the CLIENT span sits under the CallService step');
  assert.equal(downstreamServer.parentSpanId, client.spanId, 'the downstream SERVER span descends from the upstream CLIENT span');
  assert.equal(byName(trace, 'look up stock').parentSpanId, downstreamServer.spanId);
  assert.equal(byName(trace, 'lock row').parentSpanId, byName(trace, 'reserve').spanId, 'nesting is kept');

  const sleepSpan = byName(trace, 'query db');
  assert.equal(sleepSpan.attributes['thespian.kind'], 'Sleep');
  assert.equal(sleepSpan.attributes['thespian.duration_ms'], 5);
  assert.ok(sleepSpan.durationMs >= 4.5, `a 5 ms sleep lasts at least about 5 ms (got ${sleepSpan.durationMs})`);
  assert.ok(sleepSpan.events.some((event) => event.name === 'thespian.step.start'), 'the step start is a span event');

  // Concurrent actions overlap in time.
  const ask = byName(trace, 'ask inventory');
  const price = byName(trace, 'price cart');
  assert.ok(price.startTimeUnixNano < ask.endTimeUnixNano && ask.startTimeUnixNano < price.endTimeUnixNano, 'concurrent steps overlap');
});

test('step starts are logged as JSON lines carrying the trace and span ids', async () => {
  const result = await callMethod(upstream.address, 'A');
  assert.equal(result.code, 0);
  await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId).length >= 11, 10_000);
  const spans = receiver.trace(result.traceId!);
  const [line] = await upstream.waitForLines((entry) => entry.trace_id === result.traceId && entry.step === 'validate cart'); // a line for the step start
  assert.equal(line.span_id, byName(spans, 'validate cart').spanId, 'the line names the step span');
  assert.equal(line.service_name, 'checkout');
  assert.equal(line.level, 'info');
  await downstream.waitForLines((entry) => entry.trace_id === result.traceId); // the downstream logs the same trace id
});

test('a method with no behaviour answers OK at once', async () => {
  const result = await callMethod(upstream.address, 'B');
  assert.equal(result.code, 0);
});
