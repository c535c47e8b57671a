import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod } from '../support/instance-process';
import { act, behaviour, callTo, chaosFixture, childrenOf, fn, spanNamed, STATUS, type Fixture } from './chaos-fixtures';

let fixture: Fixture;
let slowPort: number;
let slowLogs: () => Record<string, unknown>[];

before(async () => {
  fixture = await chaosFixture();
  const slow = await fixture.start('slow-db', behaviour(fn('query', act('Sleep', { tracing_name: 'full table scan', duration_ms: 3000 }))));
  slowPort = slow.port;
  slowLogs = () => slow.logs;
});

after(() => fixture.close());

test('timeout_ms cuts a slow downstream at about the timeout, answers DEADLINE_EXCEEDED, and the downstream sees the cancellation', async () => {
  const api = await fixture.start('api', behaviour(fn('get report', act('CallService', { tracing_name: 'ask db', ...callTo(slowPort), timeout_ms: 300 }))));

  const result = await callMethod(api.address, 'A');
  assert.equal(result.code, STATUS.DEADLINE_EXCEEDED, result.details);
  assert.match(result.details, /ask db: call to 127\.0\.0\.1:\d+\/A timed out after 300 ms \(timeout_ms\)/);
  // Cut at the timeout, far before the 3 s sleep would have ended (generous bounds: busy CI machines).
  assert.ok(result.durationMs >= 290 && result.durationMs < 2000, `answered after ${result.durationMs.toFixed(0)} ms`);

  const spans = await fixture.trace(result.traceId, 7);
  const step = spanNamed(spans, 'ask db', 'api');
  assert.equal(step.status.code, 'ERROR');
  assert.equal(step.attributes['thespian.injected'], true, 'the timeout is injected chaos, marked where it fired');
  assert.equal(step.attributes['thespian.injected.kind'], 'timeout');
  assert.equal(step.attributes['thespian.timeout_ms'], 300);
  const exceptions = step.events.filter((event) => event.name === 'exception');
  assert.equal(exceptions.length, 1);
  assert.equal(exceptions[0].attributes['exception.type'], 'DEADLINE_EXCEEDED');
  const [client] = childrenOf(spans, step);
  assert.equal(client.kind, 'CLIENT');
  assert.ok(client.durationMs >= 290 && client.durationMs < 2000, `the CLIENT span lasted ${client.durationMs.toFixed(0)} ms`);

  // The downstream stopped its sleep when the deadline passed, instead of sleeping on for 3 s.
  const scan = spanNamed(spans, 'full table scan', 'slow-db');
  assert.equal(scan.status.code, 'ERROR');
  assert.ok(scan.durationMs < 2000, `the downstream's sleep ended after ${scan.durationMs.toFixed(0)} ms`);
  // grpc-timeout carried the deadline, so the downstream records DEADLINE_EXCEEDED, also when the caller's
  // reset reaches it first, up to 50 ms early. Only a downstream that read the request more than 50 ms late
  // (a very busy machine) can see the reset as a plain cancel: CANCELLED.
  const cancelledBecause = scan.events.find((event) => event.name === 'exception')?.attributes['exception.type'];
  assert.ok(cancelledBecause === 'DEADLINE_EXCEEDED' || cancelledBecause === 'CANCELLED', `downstream recorded ${String(cancelledBecause)}`);
  assert.equal(scan.attributes['thespian.injected'], undefined, 'the downstream merely suffered the timeout; it injected nothing');
  const line = slowLogs().find((l) => l.trace_id === result.traceId && l.level === 'error');
  assert.ok(line, 'the downstream logged that its request was cut');
  assert.match(String(line.message), /deadline|cancel/i);
});

test('a timeout answers failure_code when one is given, and the incoming deadline still wins when it is earlier', async () => {
  const api = await fixture.start(
    'api-coded',
    behaviour(fn('get report', act('CallService', { tracing_name: 'ask db', ...callTo(slowPort), timeout_ms: 2500, failure_code: 'UNAVAILABLE' }))),
  );
  // The client's own 300 ms deadline comes before the step's 2.5 s timeout: that one cuts the call, and it is no injected timeout.
  const early = await callMethod(api.address, 'A', { deadlineMs: 300 });
  assert.equal(early.code, STATUS.DEADLINE_EXCEEDED);
  assert.ok(early.durationMs < 2000);
  const earlySpans = await fixture.trace(early.traceId, 7);
  const cut = spanNamed(earlySpans, 'ask db', 'api-coded');
  assert.equal(cut.status.code, 'ERROR');
  assert.equal(cut.attributes['thespian.injected'], undefined, "the caller's deadline is not chaos Thespian injected");

  const quick = await fixture.start(
    'api-quick',
    behaviour(fn('get report', act('CallService', { tracing_name: 'ask db', ...callTo(slowPort), timeout_ms: 100, failure_code: 'UNAVAILABLE' }))),
  );
  const result = await callMethod(quick.address, 'A');
  assert.equal(result.code, STATUS.UNAVAILABLE, result.details);
  assert.match(result.details, /timed out after 100 ms/);
});
