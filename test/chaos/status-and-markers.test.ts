import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod } from '../support/instance-process';
import { act, behaviour, callTo, chaosFixture, fn, spanNamed, STATUS, type Fixture } from './chaos-fixtures';

let fixture: Fixture;

before(async () => {
  fixture = await chaosFixture();
});

after(() => fixture.close());

test('a Sleep failure answers its failure_code and failure_message on the wire, and so do the instances above it when they PROPAGATE', async () => {
  const quota = await fixture.start(
    'quota',
    behaviour(
      fn('check quota', act('Sleep', { tracing_name: 'count', duration_ms: 1, failure_chance: 1, failure_code: 'RESOURCE_EXHAUSTED', failure_message: 'quota used up' })),
    ),
  );
  const direct = await callMethod(quota.address, 'A');
  assert.equal(direct.code, STATUS.RESOURCE_EXHAUSTED);
  assert.equal(direct.details, 'quota used up');

  const gateway = await fixture.start(
    'gateway',
    behaviour(
      fn('route', act('CallService', { tracing_name: 'ask quota', ...callTo(quota.port), failure_code: 'PROPAGATE' })),
      fn('route', act('CallService', { tracing_name: 'ask quota', ...callTo(quota.port) })),
      fn('route', act('CallService', { tracing_name: 'ask quota', ...callTo(quota.port), failure_code: 'ABORTED' })),
    ),
  );
  const propagated = await callMethod(gateway.address, 'A');
  assert.equal(propagated.code, STATUS.RESOURCE_EXHAUSTED);
  assert.match(propagated.details, /ask quota: call to 127\.0\.0\.1:\d+\/A failed with RESOURCE_EXHAUSTED: quota used up$/);
  assert.equal((await callMethod(gateway.address, 'B')).code, STATUS.INTERNAL, 'without failure_code, INTERNAL as in the original');
  assert.equal((await callMethod(gateway.address, 'C')).code, STATUS.ABORTED);
});

test('thespian.injected marks exactly the spans where chaos was injected', async () => {
  const store = await fixture.start(
    'store',
    behaviour(
      fn(
        'load',
        { ConcurrentActions: [{ Sleep: { tracing_name: 'fails', duration_ms: 5, failure_chance: 1, failure_code: 'DATA_LOSS' } }, { Sleep: { tracing_name: 'lucky', duration_ms: 1, failure_chance: 0 } }] },
      ),
    ),
  );
  const front = await fixture.start(
    'front',
    behaviour(
      fn(
        'page',
        act('Sleep', { tracing_name: 'survives', duration_ms: 1, failure_chance: 0.000001 }),
        act('Function', { tracing_name: 'render', operations: [act('CallService', { tracing_name: 'load data', ...callTo(store.port), failure_code: 'PROPAGATE' })] }),
      ),
    ),
  );
  const result = await callMethod(front.address, 'A');
  assert.equal(result.code, STATUS.DATA_LOSS);
  // front: SERVER, page, survives, render, load data, CLIENT; store: SERVER, load, fails, lucky.
  const spans = await fixture.trace(result.traceId, 10);
  const injected = spans.filter((span) => span.attributes['thespian.injected'] === true);
  assert.deepEqual(
    injected.map((span) => [span.service, span.name, span.attributes['thespian.injected.kind']]),
    [['store', 'fails', 'failure_chance']],
    'only the Sleep whose roll failed is marked; the spans it propagated through are not',
  );
  for (const span of spans) {
    if (span !== injected[0]) assert.equal(span.attributes['thespian.injected.kind'], undefined, `${span.service}:${span.name} has no injected kind`);
  }
  assert.equal(spanNamed(spans, 'load data').status.code, 'ERROR', 'propagating spans still have ERROR status');
});
