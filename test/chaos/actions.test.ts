import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod } from '../support/instance-process';
import { act, behaviour, callTo, chaosFixture, fn, spanNamed, STATUS, together, type Fixture } from './chaos-fixtures';
import { setTimeout as delay } from 'node:timers/promises';

let fixture: Fixture;

before(async () => {
  fixture = await chaosFixture();
});

after(() => fixture.close());

test('Log writes a log line and an event on the enclosing span; attributes land on Function, Sleep and CallService spans', async () => {
  const db = await fixture.start('db', behaviour(fn('query', act('Sleep', { tracing_name: 'read', duration_ms: 1 }))));
  const cart = await fixture.start(
    'cart',
    behaviour({
      tracing_name: 'show cart',
      attributes: { 'http.route': '/cart', 'http.request.method': 'GET' },
      operations: [
        act('Log', { level: 'warn', message: 'cart is large', attributes: { 'cart.items': 42, 'cart.vip': true } }),
        act('Sleep', { tracing_name: 'load rows', duration_ms: 1, attributes: { 'db.system': 'postgresql', 'db.operation.name': 'SELECT' } }),
        act('CallService', { tracing_name: 'ask db', ...callTo(db.port), attributes: { 'peer.service': 'db' } }),
        act('Log', { message: 'done' }),
      ],
    }),
  );
  const result = await callMethod(cart.address, 'A');
  assert.equal(result.code, STATUS.OK, result.details);

  const spans = await fixture.trace(result.traceId, 8);
  const root = spanNamed(spans, 'show cart');
  assert.equal(root.attributes['http.route'], '/cart');
  assert.equal(root.attributes['http.request.method'], 'GET');
  assert.equal(spanNamed(spans, 'load rows').attributes['db.system'], 'postgresql');
  assert.equal(spanNamed(spans, 'ask db').attributes['peer.service'], 'db');

  const event = root.events.find((candidate) => candidate.name === 'cart is large');
  assert.ok(event, `the Log became an event on the Function's span (events: ${root.events.map((e) => e.name).join(', ')})`);
  assert.equal(event.attributes['cart.items'], 42);
  assert.equal(event.attributes['cart.vip'], true);
  assert.equal(event.attributes['thespian.log.level'], 'warn');
  assert.ok(root.events.some((candidate) => candidate.name === 'done'));
  assert.equal(spans.filter((span) => span.name === 'cart is large').length, 0, 'a Log has no span of its own');

  const line = cart.logs.find((candidate) => candidate.message === 'cart is large');
  assert.ok(line, 'the Log wrote a line');
  assert.equal(line.level, 'warn');
  assert.equal(line['cart.items'], 42);
  assert.equal(line.trace_id, result.traceId, 'the line joins its trace');
  assert.equal(line.span_id, root.spanId, 'and the span that got the event');
  assert.equal(cart.logs.find((candidate) => candidate.message === 'done')?.level, 'info', 'level defaults to info');
});

test('Compute keeps the CPU busy on the event loop: a concurrent Sleep still ends on time, what follows waits for the Compute', async () => {
  const worker = await fixture.start(
    'worker',
    behaviour(fn('render', together(['Sleep', { tracing_name: 'short timer', duration_ms: 10 }], ['Compute', { tracing_name: 'hash password', duration_ms: 150, attributes: { 'code.function.name': 'bcrypt' } }]))),
  );
  const result = await callMethod(worker.address, 'A');
  assert.equal(result.code, STATUS.OK, result.details);
  const spans = await fixture.trace(result.traceId, 4);
  const compute = spanNamed(spans, 'hash password');
  assert.ok(compute.durationMs >= 145 && compute.durationMs < 1000, `Compute took ${compute.durationMs.toFixed(1)} ms`);
  assert.equal(compute.attributes['thespian.duration_ms'], 150);
  assert.equal(compute.attributes['code.function.name'], 'bcrypt');
  const timer = spanNamed(spans, 'short timer');
  // Timed off the main thread: the blocked loop does not stretch the sleep's span. The margin is
  // for a busy CI machine's scheduler, still far below the 150 ms the loop was blocked.
  assert.ok(timer.durationMs >= 10 && timer.durationMs < 60, `the 10 ms sleep's span lasted ${timer.durationMs.toFixed(1)} ms`);
  const render = spanNamed(spans, 'render');
  assert.ok(render.durationMs >= compute.durationMs, `the Function waited for the Compute (${render.durationMs.toFixed(1)} ms)`);
});

test('requests that waited for their turn behind CPU work say how long on their SERVER span (thespian.queued_ms)', async () => {
  const busy = await fixture.start('busy', behaviour(fn('crunch', act('Compute', { tracing_name: 'crunch numbers', duration_ms: 150 }))));
  const first = callMethod(busy.address, 'A');
  // These arrive while the first one's Compute holds the loop, so they are read together after it
  // and each waits its turn behind the ones before it.
  await delay(40);
  const results = await Promise.all([first, ...Array.from({ length: 3 }, () => callMethod(busy.address, 'A'))]);
  const queued: number[] = [];
  for (const result of results) {
    assert.equal(result.code, STATUS.OK, result.details);
    const server = spanNamed(await fixture.trace(result.traceId, 3), 'grpc.thespian.Thespian/A');
    const value = server.attributes['thespian.queued_ms'];
    assert.equal(typeof value, 'number', 'every SERVER span carries it');
    queued.push(value as number);
  }
  assert.ok(queued[0] < 50, `the first request had nobody ahead of it (${queued[0]} ms)`);
  assert.ok(Math.max(...queued) >= 140, `the last of the waiting ones waited for a Compute (queued_ms ${queued.join(', ')})`);
});

test('a Sleep with a duration distribution sleeps what it drew and records the draw', async () => {
  const shop = await fixture.start(
    'shop',
    behaviour(fn('browse', act('Sleep', { tracing_name: 'think', duration: { Uniform: { min_ms: 40, max_ms: 80 } } }))),
  );
  for (let i = 0; i < 5; i++) {
    const result = await callMethod(shop.address, 'A');
    const spans = await fixture.trace(result.traceId, 3);
    const think = spanNamed(spans, 'think');
    const drawn = Number(think.attributes['thespian.duration_ms']);
    assert.ok(drawn >= 40 && drawn <= 80, `drew ${drawn} ms`);
    assert.equal(think.attributes['thespian.duration'], 'Uniform(min_ms=40, max_ms=80)');
    assert.ok(think.durationMs >= drawn - 1 && think.durationMs < drawn + 200, `slept ${think.durationMs.toFixed(1)} ms for a draw of ${drawn}`);
  }
});
