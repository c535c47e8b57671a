import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod } from '../support/instance-process';
import { act, behaviour, callTo, chaosFixture, childrenOf, fn, spanNamed, STATUS, type Fixture } from './chaos-fixtures';
import { setTimeout as delay } from 'node:timers/promises';

let fixture: Fixture;
let unavailablePort: number;
let internalPort: number;

before(async () => {
  fixture = await chaosFixture();
  // Always fails, answering UNAVAILABLE (a retryable code) or INTERNAL (not retried by default).
  const unavailable = await fixture.start(
    'overloaded',
    behaviour(fn('serve', act('Sleep', { tracing_name: 'shed load', duration_ms: 1, failure_chance: 1, failure_code: 'UNAVAILABLE' }))),
  );
  const internal = await fixture.start('buggy', behaviour(fn('serve', act('Sleep', { tracing_name: 'crash', duration_ms: 1, failure_chance: 1 }))));
  unavailablePort = unavailable.port;
  internalPort = internal.port;
});

after(() => fixture.close());

test('retries make max_attempts calls, each its own CLIENT span, with the backoff visible as growing gaps', async () => {
  const retries = { max_attempts: 3, backoff_ms: 100, multiplier: 2, retry_on: ['UNAVAILABLE'] };
  const api = await fixture.start('api', behaviour(fn('checkout', act('CallService', { tracing_name: 'reserve', ...callTo(unavailablePort), retries }))));

  const result = await callMethod(api.address, 'A');
  assert.equal(result.code, STATUS.INTERNAL, 'a downstream error still answers INTERNAL by default, as in the original');
  assert.match(result.details, /reserve: call to 127\.0\.0\.1:\d+\/A failed with UNAVAILABLE: .*shed load.* \(after 3 attempts\)/);
  assert.ok(result.durationMs >= 290, `two backoffs of 100 and 200 ms took place (answered after ${result.durationMs.toFixed(0)} ms)`);

  // api: SERVER, checkout, reserve, 3 CLIENT; overloaded: 3 × (SERVER, serve, shed load).
  const spans = await fixture.trace(result.traceId, 15);
  const step = spanNamed(spans, 'reserve', 'api');
  const clients = childrenOf(spans, step);
  assert.deepEqual(
    clients.map((span) => span.kind),
    ['CLIENT', 'CLIENT', 'CLIENT'],
    'one CLIENT span per attempt, all children of the CallService span',
  );
  const servers = spans.filter((span) => span.service === 'overloaded' && span.kind === 'SERVER');
  assert.equal(servers.length, 3, 'the downstream was called three times');
  for (const client of clients) assert.ok(servers.some((server) => server.parentSpanId === client.spanId), 'each attempt reached the downstream');

  const gap = (i: number) => clients[i + 1].startMs - (clients[i].startMs + clients[i].durationMs);
  assert.ok(gap(0) >= 95, `first backoff ≈ 100 ms (gap ${gap(0).toFixed(1)} ms)`);
  assert.ok(gap(1) >= 190, `second backoff ≈ 200 ms, the multiplier at work (gap ${gap(1).toFixed(1)} ms)`);

  const attempts = step.events.filter((event) => event.name === 'thespian.attempt');
  assert.deepEqual(
    attempts.map((event) => [event.attributes['thespian.attempt'], event.attributes['thespian.attempt.code'], event.attributes['thespian.backoff_ms']]),
    [
      [1, 'UNAVAILABLE', 100],
      [2, 'UNAVAILABLE', 200],
      [3, 'UNAVAILABLE', undefined],
    ],
  );
  assert.equal(step.attributes['thespian.attempts'], 3);
  assert.equal(step.attributes['thespian.injected'], undefined, 'the failures were injected downstream, not here');
});

test('a code not in retry_on is not retried, and PROPAGATE answers the downstream code', async () => {
  const retries = { max_attempts: 4, backoff_ms: 1 };
  const api = await fixture.start(
    'api-propagate',
    behaviour(
      fn('checkout', act('CallService', { tracing_name: 'charge', ...callTo(internalPort), retries, failure_code: 'PROPAGATE' })),
      fn('order', act('CallService', { tracing_name: 'reserve', ...callTo(unavailablePort), retries, failure_code: 'PROPAGATE' })),
    ),
  );
  const once = await callMethod(api.address, 'A');
  assert.equal(once.code, STATUS.INTERNAL);
  assert.doesNotMatch(once.details, /after \d+ attempts/, 'INTERNAL is not in the default retry_on (UNAVAILABLE)');
  const spans = await fixture.trace(once.traceId, 7);
  assert.equal(childrenOf(spans, spanNamed(spans, 'charge')).length, 1, 'one attempt, one CLIENT span');

  const propagated = await callMethod(api.address, 'B');
  assert.equal(propagated.code, STATUS.UNAVAILABLE, 'PROPAGATE passes the downstream code through');
  assert.match(propagated.details, /\(after 4 attempts\)/);
});

test('failure_chance on a CallService fails attempts without sending them, and retries recover', async () => {
  const ok = await fixture.start('fine', behaviour(fn('serve', act('Sleep', { tracing_name: 'work', duration_ms: 1 }))));
  const never = await fixture.start(
    'api-cut',
    behaviour(fn('checkout', act('CallService', { tracing_name: 'cut cable', ...callTo(ok.port), failure_chance: 1, retries: { max_attempts: 2, backoff_ms: 1 } }))),
  );
  const result = await callMethod(never.address, 'A');
  assert.equal(result.code, STATUS.UNAVAILABLE, 'an injected network failure answers UNAVAILABLE');
  assert.match(result.details, /injected network failure, not sent .*\(after 2 attempts\)/);
  const spans = await fixture.trace(result.traceId, 3);
  const step = spanNamed(spans, 'cut cable');
  assert.equal(step.attributes['thespian.injected'], true);
  assert.equal(step.attributes['thespian.injected.kind'], 'call_failure');
  assert.deepEqual(
    step.events.filter((event) => event.name === 'thespian.attempt').map((event) => event.attributes['thespian.attempt.sent']),
    [false, false],
  );
  await delay(500);
  assert.equal(fixture.receiver.trace(result.traceId!).filter((span) => span.kind === 'CLIENT').length, 0, 'nothing was sent');

  // At 50% per attempt and 8 attempts, nearly every request gets through; the seed makes this exact.
  const flaky = await fixture.start(
    'api-flaky',
    behaviour(fn('checkout', act('CallService', { tracing_name: 'flaky link', ...callTo(ok.port), failure_chance: 0.5, retries: { max_attempts: 8, backoff_ms: 1 } }))),
    { THESPIAN_SEED: '7' },
  );
  let recovered = 0;
  for (let i = 0; i < 20; i++) {
    const answer = await callMethod(flaky.address, 'A');
    if (answer.code !== STATUS.OK) continue;
    const trace = await fixture.trace(answer.traceId, 7);
    const link = spanNamed(trace, 'flaky link');
    const attempts = Number(link.attributes['thespian.attempts']);
    assert.equal(childrenOf(trace, link).filter((span) => span.kind === 'CLIENT').length, 1, 'only the attempt that was sent has a CLIENT span');
    if (attempts > 1) {
      recovered++;
      assert.equal(link.status.code, 'UNSET', 'a recovered step is not an error');
      assert.equal(link.attributes['thespian.injected'], true, 'but chaos was injected on it');
    }
  }
  assert.ok(recovered >= 3, `some requests needed and got a retry (${recovered} of 20)`);
});
