import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Clock } from '../../src/engine';
import { EngineUnderTest, methodA, spanMs, spanNamed } from '../support/engine-under-test';

/**
 * Compute, driven through the engine's ports. It burns CPU until the clock says its time is up,
 * so these tests give it a clock that moves as it is read (a virtual clock stands still while
 * nothing sleeps) or the real one where blocking the event loop is the point.
 */

/** Each reading is a quarter of a millisecond after the one before: a CPU that does nothing but read the clock. */
function tickingClock(): Clock & { readings: number } {
  let time = 0;
  return {
    readings: 0,
    now() {
      this.readings++;
      return (time += 0.25);
    },
    sleep: () => Promise.reject(new Error('Compute must not sleep')),
  };
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(performance.now()), ms)),
};

test('a Compute spins on the clock for its duration and makes one OK span with its duration', async () => {
  const clock = tickingClock();
  const engine = new EngineUnderTest(methodA('front', { Compute: { tracing_name: 'render', duration_ms: 12.5, attributes: { pages: 3 } } }), { clock });
  const outcome = await engine.request();
  assert.equal(outcome.code, 'OK');
  const render = spanNamed(outcome.spans, 'render');
  assert.equal(render.status.code, SpanStatusCode.UNSET);
  assert.equal(render.attributes['thespian.kind'], 'Compute');
  assert.equal(render.attributes['thespian.duration_ms'], 12.5, 'fractions of a millisecond are kept');
  assert.equal(render.attributes.pages, 3);
  assert.equal(render.attributes['thespian.duration'], undefined, 'only a random duration is described');
  assert.ok(spanMs(render) >= 12.5, `the span lasts at least the duration (${spanMs(render)} ms)`);
  assert.ok(clock.readings >= 12.5 / 0.25, 'it read the clock until the time was up');
  assert.deepEqual(outcome.lines.map((line) => `${line.level} ${line.message}`), ['info Function "front" started', 'info Compute "render" started']);
});

test('a random Compute duration is drawn (not rounded) and described on the span', async () => {
  const engine = new EngineUnderTest(methodA('front', { Compute: { tracing_name: 'hash', duration: { Uniform: { min_ms: 1, max_ms: 3 } } } }), { clock: tickingClock(), seed: 3 });
  const drawn: number[] = [];
  for (let i = 0; i < 10; i++) {
    const span = spanNamed((await engine.request()).spans, 'hash');
    const ms = span.attributes['thespian.duration_ms'] as number;
    assert.ok(ms >= 1 && ms <= 3, `drawn ${ms}`);
    assert.ok(spanMs(span) >= ms);
    assert.match(String(span.attributes['thespian.duration']), /Uniform/i);
    drawn.push(ms);
  }
  assert.ok(drawn.some((ms) => !Number.isInteger(ms)), `fractional draws are kept: ${drawn.join(', ')}`);
});

test('a Compute blocks the event loop: a callback queued before the request runs only after the work is done', async () => {
  const engine = new EngineUnderTest(methodA('front', { Compute: { tracing_name: 'busy', duration_ms: 20 } }), { clock: realClock });
  let ranAt: number | undefined;
  setImmediate(() => (ranAt = performance.now()));
  const before = performance.now();
  const request = engine.request();
  const returnedAt = performance.now();
  // The work is synchronous: the request has burnt its 20 ms before it even hands back its promise.
  assert.ok(returnedAt - before >= 20, `engine.request() returned after ${returnedAt - before} ms`);
  assert.equal(ranAt, undefined, 'the queued callback could not run meanwhile');
  const outcome = await request;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(outcome.code, 'OK');
  assert.ok(ranAt !== undefined && ranAt >= returnedAt, 'the callback ran once the Compute was done');
  assert.ok(spanMs(spanNamed(outcome.spans, 'busy')) >= 20);
});

test('a Compute in a Function hands on to the next step, and its span is OK', async () => {
  const clock = tickingClock();
  const engine = new EngineUnderTest(
    methodA('front', { Compute: { tracing_name: 'prep', duration_ms: 1 } }, { Log: { message: 'after prep', level: 'warn' } }),
    { clock },
  );
  const outcome = await engine.request();
  assert.equal(outcome.code, 'OK');
  assert.ok(outcome.lines.some((line) => line.level === 'warn' && line.message === 'after prep'));
  assert.equal(spanNamed(outcome.spans, 'prep').status.code, SpanStatusCode.UNSET);
});
