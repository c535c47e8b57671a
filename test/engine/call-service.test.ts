import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import type { StatusName } from '../../src/common';
import { CallFailure, type Caller, type CallOptions, type CallTarget } from '../../src/engine';
import { EngineUnderTest, methodA, spanNamed } from '../support/engine-under-test';
import { VirtualClock } from '../support/virtual-clock';

/**
 * CallService, driven through the engine's ports. The Caller is a stub (the engine's injected
 * port, not the module under test) that answers each attempt as the test scripts it and takes
 * its time on the virtual clock; real gRPC calls are covered by the process-level tests.
 */

interface Answer {
  readonly ms: number;
  readonly code: StatusName;
}

/** Answers attempt n with answers[n-1] (the last one repeats), after its ms; honours timeoutMs like a gRPC deadline. */
function scriptedCaller(clock: VirtualClock, answers: readonly Answer[]) {
  const calls: { target: CallTarget; options: CallOptions; at: number }[] = [];
  const caller: Caller = {
    async call(target, options) {
      const answer = answers[Math.min(calls.length, answers.length - 1)];
      calls.push({ target, options, at: clock.now() });
      if (options.timeoutMs !== undefined && options.timeoutMs < answer.ms) {
        await clock.sleep(options.timeoutMs, options.signal);
        throw new CallFailure('DEADLINE_EXCEEDED', 'Deadline exceeded');
      }
      await clock.sleep(answer.ms, options.signal);
      if (answer.code !== 'OK') throw new CallFailure(answer.code, `callee says ${answer.code}`);
    },
  };
  return { caller, calls };
}

function callStep(extra: object): object {
  return { CallService: { tracing_name: 'to back', service_address: 'http://back', service_port: 7001, grpc_method: 'B', ...extra } };
}

async function run(step: object, answers: readonly Answer[]) {
  const clock = new VirtualClock();
  const { caller, calls } = scriptedCaller(clock, answers);
  const engine = new EngineUnderTest(methodA('front', step), { caller, clock });
  const outcome = await engine.request();
  const span = spanNamed(outcome.spans, 'to back');
  const attempts = span.events.filter((event) => event.name === 'thespian.attempt').map((event) => event.attributes ?? {});
  return { outcome, span, attempts, calls };
}

const ok = (ms: number): Answer => ({ ms, code: 'OK' });
const fail = (code: StatusName, ms = 2): Answer => ({ ms, code });

test('one successful call: the target, method and hops reach the Caller; the span is OK and names the target', async () => {
  const { outcome, span, attempts, calls } = await run(callStep({}), [ok(7)]);
  assert.equal(outcome.code, 'OK');
  assert.equal(outcome.ms, 7);
  assert.equal(calls.length, 1);
  assert.deepEqual({ host: calls[0].target.host, port: calls[0].target.port, method: calls[0].target.method, tls: calls[0].target.tls }, { host: 'back', port: 7001, method: 'B', tls: false });
  assert.equal(calls[0].options.hops, 0);
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(span.attributes['thespian.kind'], 'CallService');
  assert.equal(span.attributes['thespian.target'], 'back:7001');
  assert.equal(span.attributes['rpc.method'], 'B');
  assert.deepEqual(attempts, [], 'attempt events only when retries are configured');
  assert.deepEqual(outcome.lines.map((line) => line.level), ['info', 'info']);
});

test('retries wait backoff_ms · multiplier^(n−2) before attempt n, and each attempt is an event on the span', async () => {
  const retries = { max_attempts: 4, backoff_ms: 10, multiplier: 3, retry_on: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] };
  const { outcome, span, attempts, calls } = await run(callStep({ retries }), [fail('UNAVAILABLE', 2), fail('RESOURCE_EXHAUSTED', 2), fail('UNAVAILABLE', 2), ok(5)]);
  assert.equal(outcome.code, 'OK');
  // Attempts take 2, 2, 2 and 5 ms; the waits between them are 10, 30 and 90.
  assert.deepEqual(calls.map((call) => call.at), [0, 2 + 10, 2 + 10 + 2 + 30, 2 + 10 + 2 + 30 + 2 + 90]);
  assert.equal(outcome.ms, 2 + 10 + 2 + 30 + 2 + 90 + 5);
  assert.deepEqual(
    attempts.map((a) => [a['thespian.attempt'], a['thespian.attempt.code'], a['thespian.backoff_ms']]),
    [[1, 'UNAVAILABLE', 10], [2, 'RESOURCE_EXHAUSTED', 30], [3, 'UNAVAILABLE', 90], [4, 'OK', undefined]],
  );
  assert.equal(span.attributes['thespian.attempts'], 4);
  assert.equal(span.status.code, SpanStatusCode.UNSET, 'recovered: the span is not an error');
  assert.equal(outcome.lines.filter((line) => line.level === 'error').length, 0);
  assert.equal(new Set(calls.map((call) => call.options.randomKey)).size, 4, 'each attempt has its own random stream for the callee');
});

test('all attempts failing: INTERNAL by default, the message names the hop, the callee\'s words and the attempts; one error line', async () => {
  const { outcome, span, attempts } = await run(callStep({ retries: { max_attempts: 3, backoff_ms: 4, multiplier: 2 } }), [fail('UNAVAILABLE', 1)]);
  assert.equal(outcome.code, 'INTERNAL');
  assert.equal(outcome.message, 'svc/A › front › to back: call to back:7001/B failed with UNAVAILABLE: callee says UNAVAILABLE (after 3 attempts)');
  assert.equal(outcome.ms, 1 + 4 + 1 + 8 + 1);
  assert.deepEqual(attempts.map((a) => a['thespian.backoff_ms']), [4, 8, undefined]);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['thespian.injected'], undefined, 'the callee failed; nothing was injected here');
  const errors = outcome.lines.filter((line) => line.level === 'error');
  assert.deepEqual(errors.map((line) => [line.message, line.fields.code]), [[outcome.message, 'INTERNAL']]);
});

test('failure_code: PROPAGATE answers the last attempt\'s code, a named code answers that code', async () => {
  const retries = { max_attempts: 2, backoff_ms: 0, retry_on: ['UNAVAILABLE'] };
  const propagated = await run(callStep({ retries, failure_code: 'PROPAGATE' }), [fail('UNAVAILABLE'), fail('NOT_FOUND')]);
  assert.equal(propagated.outcome.code, 'NOT_FOUND');
  assert.match(propagated.outcome.message, /failed with NOT_FOUND: callee says NOT_FOUND \(after 2 attempts\)$/);
  const named = await run(callStep({ failure_code: 'ABORTED' }), [fail('NOT_FOUND')]);
  assert.equal(named.outcome.code, 'ABORTED');
  assert.match(named.outcome.message, /failed with NOT_FOUND: callee says NOT_FOUND$/);
});

test('retry_on: a code not in the list is not retried, and no backoff is waited', async () => {
  const { outcome, attempts, calls } = await run(callStep({ retries: { max_attempts: 5, backoff_ms: 100, retry_on: ['UNAVAILABLE'] } }), [fail('PERMISSION_DENIED', 3)]);
  assert.equal(calls.length, 1);
  assert.equal(outcome.ms, 3);
  assert.equal(outcome.code, 'INTERNAL');
  assert.deepEqual(attempts.map((a) => [a['thespian.attempt.code'], a['thespian.backoff_ms']]), [['PERMISSION_DENIED', undefined]]);
});

test('timeout_ms: a slow callee fails DEADLINE_EXCEEDED at the timeout, marked injected; retried when retry_on says so', async () => {
  const once = await run(callStep({ timeout_ms: 30 }), [ok(100)]);
  assert.equal(once.calls[0].options.timeoutMs, 30);
  assert.equal(once.outcome.code, 'DEADLINE_EXCEEDED');
  assert.equal(once.outcome.ms, 30);
  assert.equal(once.outcome.message, 'svc/A › front › to back: call to back:7001/B timed out after 30 ms (timeout_ms)');
  assert.equal(once.span.attributes['thespian.injected.kind'], 'timeout');

  const retried = await run(callStep({ timeout_ms: 30, retries: { max_attempts: 3, backoff_ms: 5, multiplier: 2, retry_on: ['DEADLINE_EXCEEDED'] } }), [ok(100), ok(100), ok(20)]);
  assert.equal(retried.outcome.code, 'OK');
  assert.equal(retried.outcome.ms, 30 + 5 + 30 + 10 + 20);
  assert.deepEqual(retried.attempts.map((a) => a['thespian.attempt.code']), ['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'OK']);
});

test('a callee that answers DEADLINE_EXCEEDED quickly is its own answer, not this step\'s timeout', async () => {
  const { outcome, span } = await run(callStep({ timeout_ms: 50 }), [fail('DEADLINE_EXCEEDED', 3)]);
  assert.equal(outcome.code, 'INTERNAL');
  assert.equal(span.attributes['thespian.injected.kind'], undefined);
});

test('failure_chance: the attempt fails UNAVAILABLE without being sent, and the span says it was injected', async () => {
  const { outcome, span, calls } = await run(callStep({ failure_chance: 1 }), [ok(1)]);
  assert.equal(calls.length, 0, 'nothing was sent');
  assert.equal(outcome.code, 'UNAVAILABLE');
  assert.match(outcome.message, /: call to back:7001\/B failed with UNAVAILABLE: injected network failure, not sent \(rolled 0\.\d{4} < failure_chance 1\)$/);
  assert.equal(span.attributes['thespian.injected'], true);
  assert.equal(span.attributes['thespian.injected.kind'], 'call_failure');
});
