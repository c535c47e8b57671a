import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBehaviour } from '../../src/config';
import { IncidentBoard, type Incident, type IncidentDraft, type StepMeter } from '../../src/engine';
import { EngineUnderTest, methodA, spanNamed } from '../support/engine-under-test';
import { VirtualClock } from '../support/virtual-clock';

/** The incident overlay, driven through the performer with a virtual clock: what a changed step does, and what inject refuses. */

const BEHAVIOUR = methodA(
  'front',
  { Sleep: { tracing_name: 'db', duration_ms: 10 } },
  { Sleep: { tracing_name: 'cache', duration_ms: 20 } },
  { CallService: { tracing_name: 'pay', service_address: 'http://127.0.0.1', service_port: '1', grpc_method: 'A' } },
);

function setUp(behaviour: object = BEHAVIOUR, meter?: StepMeter) {
  const clock = new VirtualClock();
  const board = new IncidentBoard(validateBehaviour(behaviour, 'svc'), 'svc', () => clock.now());
  const engine = new EngineUnderTest(behaviour, { clock, incidents: board, meter, caller: { call: () => Promise.resolve() } });
  return { clock, board, engine };
}

function injected(board: IncidentBoard, draft: IncidentDraft): Incident {
  const result = board.inject(draft);
  if ('problems' in result) throw new Error(result.problems.join('\n'));
  return result.incident;
}

test('a step incident fails only its step, with its code, and marks only that span', async () => {
  const failures: unknown[][] = [];
  const { board, engine } = setUp(BEHAVIOUR, { stepEnded: () => {}, failureInjected: (...args) => void failures.push(args) });
  injected(board, { name: 'db outage', step: 'db', failureChance: 1, failureCode: 'UNAVAILABLE', durationMs: 60_000 });
  const outcome = await engine.request();
  assert.equal(outcome.code, 'UNAVAILABLE');
  assert.match(outcome.message, /^svc\/A › front › db: injected failure by incident "db outage"/);
  const db = spanNamed(outcome.spans, 'db');
  assert.equal(db.attributes['thespian.incident'], 'db outage');
  assert.equal(db.attributes['thespian.injected'], true);
  assert.equal(db.attributes['thespian.failure_chance'], 1);
  assert.equal(spanNamed(outcome.spans, 'front').attributes['thespian.incident'], undefined, 'the Function was not changed, only failed through');
  assert.deepEqual(failures, [['db', 'UNAVAILABLE', 'failure_chance', 'db outage']]);
});

test('latency: own × factor + extra, and a whole-method incident changes every Sleep of the method', async () => {
  const { board, engine } = setUp();
  injected(board, { name: 'slow', latencyFactor: 3, extraLatencyMs: 5, durationMs: 60_000 });
  const outcome = await engine.request();
  assert.equal(outcome.code, 'OK');
  assert.equal(outcome.ms, 10 * 3 + 5 + (20 * 3 + 5));
  assert.equal(spanNamed(outcome.spans, 'cache').attributes['thespian.duration_ms'], 65);
  assert.equal(spanNamed(outcome.spans, 'cache').attributes['thespian.incident'], 'slow');
  assert.equal(spanNamed(outcome.spans, 'pay').attributes['thespian.incident'], undefined, 'a CallService is not changed');
});

test('overlapping incidents combine: factors multiply, extras add, both names on the span', async () => {
  const { board, engine } = setUp();
  injected(board, { name: 'one', step: 'db', latencyFactor: 2, durationMs: 60_000 });
  injected(board, { name: 'two', step: 'db', extraLatencyMs: 7, failureChance: 0, durationMs: 60_000 });
  const outcome = await engine.request();
  assert.equal(spanNamed(outcome.spans, 'db').attributes['thespian.duration_ms'], 27);
  assert.equal(spanNamed(outcome.spans, 'db').attributes['thespian.incident'], 'one, two');
});

test('an incident of another method leaves this one alone; failure_chance 0 fails nothing', async () => {
  const withB = { ...BEHAVIOUR, grpc_method_b: { tracing_name: 'other', operations: [{ Action: { Sleep: { tracing_name: 'db', duration_ms: 1 } } }] } };
  const { board, engine } = setUp(withB);
  injected(board, { name: 'b only', method: 'B', failureChance: 1, durationMs: 60_000 });
  injected(board, { name: 'harmless', step: 'db', failureChance: 0, durationMs: 60_000 });
  const outcome = await engine.request();
  assert.equal(outcome.code, 'OK');
  assert.equal(spanNamed(outcome.spans, 'db').attributes['thespian.incident'], 'harmless');
  assert.equal((await engine.request('B')).code, 'INTERNAL', 'while B fails');
});

test('an incident ends at its duration on the clock, and clear ends it at once', async () => {
  const { board, engine } = setUp();
  const first = injected(board, { name: 'short', step: 'db', failureChance: 1, durationMs: 15 });
  assert.equal((await engine.request()).code, 'INTERNAL', 'the default code is INTERNAL, as a Sleep\'s own');
  assert.equal(board.list()[0].leftMs, 5);
  assert.equal((await engine.request()).code, 'INTERNAL', 'still inside: db starts at 10 ms');
  assert.equal((await engine.request()).code, 'OK', 'after its end');
  assert.deepEqual(board.expire().map((incident) => incident.id), [first.id]);
  assert.deepEqual(board.list(), []);
  const second = injected(board, { step: 'db', failureChance: 1, durationMs: 60_000 });
  assert.equal(second.name, second.id, 'unnamed, it is called by its id');
  assert.equal((await engine.request()).code, 'INTERNAL');
  assert.deepEqual(board.clear().map((incident) => incident.id), [second.id]);
  assert.equal((await engine.request()).code, 'OK');
});

test('the step\'s own failure keeps its code; the incident takes the rest of the roll', async () => {
  const behaviour = methodA('front', { Sleep: { tracing_name: 'db', duration_ms: 1, failure_chance: 0.5, failure_code: 'NOT_FOUND' } });
  const { board, engine } = setUp(behaviour);
  injected(board, { name: 'half', failureChance: 1, failureCode: 'UNAVAILABLE', durationMs: 60_000 });
  const codes = new Set<string>();
  for (let i = 0; i < 40; i++) codes.add((await engine.request()).code);
  assert.deepEqual([...codes].sort(), ['NOT_FOUND', 'UNAVAILABLE'], 'with chances 0.5 and 1 every request fails, by either');
});

test('inject refuses bad input with a message per problem', () => {
  const { board } = setUp();
  const problems = (draft: IncidentDraft) => {
    const result = board.inject(draft);
    assert.ok('problems' in result, `expected a refusal of ${JSON.stringify(draft)}`);
    return result.problems.join('\n');
  };
  assert.match(problems({ step: 'dbb', failureChance: 1, durationMs: 1000 }), /step: "dbb" is not a Sleep of "svc" \(did you mean "db"\?\); its Sleeps: "db", "cache"/);
  assert.match(problems({ step: 'pay', failureChance: 1, durationMs: 1000 }), /"pay" is a CallService; incidents change Sleep steps only/);
  assert.match(problems({ failureChance: 1.5, durationMs: 1000 }), /failure_chance: must be a number from 0 to 1 \(got 1.5\)/);
  assert.match(problems({ failureChance: Number.NaN, durationMs: 1000 }), /failure_chance: .*got NaN/);
  assert.match(problems({ latencyFactor: -1, durationMs: 1000 }), /latency_factor: must be a number from 0/);
  assert.match(problems({ extraLatencyMs: -5, durationMs: 1000 }), /extra_latency_ms/);
  assert.match(problems({ failureChance: 1, failureCode: 'UNAVAILBLE', durationMs: 1000 }), /unknown gRPC failure status "UNAVAILBLE" \(did you mean "UNAVAILABLE"\?\)/);
  assert.match(problems({ failureChance: 1, failureCode: 'OK', durationMs: 1000 }), /failure_code/);
  assert.match(problems({ failureChance: 1, method: 'D', durationMs: 1000 }), /method: must be A, B or C/);
  assert.match(problems({ failureChance: 1, method: 'B', durationMs: 1000 }), /method: B of "svc" has no behaviour/);
  assert.match(problems({ failureChance: 1, service: 'other', durationMs: 1000 }), /service: this instance is "svc"/);
  assert.match(problems({ failureChance: 1, durationMs: 86_400_001 }), /duration: at most 24 h/);
  assert.match(problems({ failureChance: 1, durationMs: 0 }), /duration: must be more than 0/);
  assert.match(problems({ failureChance: 1, name: 'x'.repeat(10_000), durationMs: 1000 }), /name: at most 256 characters/);
  assert.match(problems({ durationMs: 1000 }), /changes nothing/);
  const many = problems({ failureChance: 2, latencyFactor: -1, durationMs: -1 }).split('\n');
  assert.equal(many.length, 3, 'every problem on its own line');
  assert.deepEqual(board.list(), [], 'nothing refused was kept');
});
