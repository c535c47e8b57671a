import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { EngineUnderTest, methodA, spanMs, spanNamed } from '../support/engine-under-test';

/** Sleep, driven through the engine's ports with a virtual clock: its span, its time, its failure and its log lines. */

test('a Sleep takes its duration on the clock and makes one OK span named after it', async () => {
  const engine = new EngineUnderTest(methodA('front', { Sleep: { tracing_name: 'nap', duration_ms: 40, attributes: { team: 'core' } } }));
  const outcome = await engine.request();
  assert.equal(outcome.code, 'OK');
  assert.equal(outcome.ms, 40);
  assert.deepEqual(outcome.spans.map((span) => span.name).sort(), ['front', 'nap']);
  const nap = spanNamed(outcome.spans, 'nap');
  assert.equal(nap.status.code, SpanStatusCode.UNSET);
  assert.equal(spanMs(nap), 40);
  assert.equal(nap.attributes['thespian.kind'], 'Sleep');
  assert.equal(nap.attributes['thespian.duration_ms'], 40);
  assert.equal(nap.attributes.team, 'core');
  assert.ok(nap.events.some((event) => event.name === 'thespian.step.start'));
  assert.deepEqual(
    outcome.lines.map((line) => `${line.level} ${line.message}`),
    ['info Function "front" started', 'info Sleep "nap" started'],
  );
});

test('an injected Sleep failure answers failure_code after the full sleep, marks both spans ERROR and logs once', async () => {
  const engine = new EngineUnderTest(
    methodA('front', { Sleep: { tracing_name: 'db', duration_ms: 15, failure_chance: 1, failure_code: 'NOT_FOUND' } }, { Sleep: { tracing_name: 'never', duration_ms: 5 } }),
  );
  const outcome = await engine.request();
  assert.equal(outcome.code, 'NOT_FOUND');
  assert.match(outcome.message, /^svc\/A › front › db: injected failure \(rolled 0\.\d{4} < failure_chance 1\)$/);
  assert.equal(outcome.ms, 15, 'it sleeps first and rolls afterwards; the next step does not run');
  assert.deepEqual(outcome.spans.map((span) => span.name).sort(), ['db', 'front']);
  const db = spanNamed(outcome.spans, 'db');
  assert.equal(db.status.code, SpanStatusCode.ERROR);
  assert.equal(db.attributes['thespian.injected'], true);
  assert.equal(db.attributes['thespian.injected.kind'], 'failure_chance');
  assert.equal(db.events.filter((event) => event.name === 'exception').length, 1);
  assert.equal(spanNamed(outcome.spans, 'front').status.code, SpanStatusCode.ERROR);
  assert.equal(spanNamed(outcome.spans, 'front').events.filter((event) => event.name === 'exception').length, 0, 'recorded only where it began');
  const errors = outcome.lines.filter((line) => line.level === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].message, outcome.message);
  assert.equal(errors[0].fields.code, 'NOT_FOUND');
});

test('failure_message replaces the generated message; INTERNAL is the default code', async () => {
  const engine = new EngineUnderTest(methodA('front', { Sleep: { tracing_name: 'x', duration_ms: 1, failure_chance: 1, failure_message: 'disk on fire' } }));
  const outcome = await engine.request();
  assert.equal(outcome.code, 'INTERNAL');
  assert.equal(outcome.message, 'disk on fire');
});

test('a random duration is drawn, rounded, recorded on the span and kept by the clock', async () => {
  const engine = new EngineUnderTest(methodA('front', { Sleep: { tracing_name: 'u', duration: { Uniform: { min_ms: 10, max_ms: 20 } } } }), { seed: 5 });
  const seen = new Set<number>();
  for (let i = 0; i < 30; i++) {
    const outcome = await engine.request();
    const span = spanNamed(outcome.spans, 'u');
    const drawn = span.attributes['thespian.duration_ms'] as number;
    assert.ok(Number.isInteger(drawn) && drawn >= 10 && drawn <= 20, `drawn ${drawn}`);
    assert.equal(outcome.ms, drawn);
    assert.match(String(span.attributes['thespian.duration']), /Uniform/i);
    seen.add(drawn);
  }
  assert.ok(seen.size > 3, 'the draws vary');
});
