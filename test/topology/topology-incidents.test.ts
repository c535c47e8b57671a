// A topology's `incidents`: every check says what is wrong at the entry's path, in one line,
// and a schedule that loads is one the instances' admin API would take window by window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { ConfigError } from '../../src/config';
import { parseTopology, type Topology } from '../../src/topology';

const sleep = (name: string) => ({ Action: { Sleep: { tracing_name: name, duration_ms: 1 } } });
const fn = (name: string, ...operations: object[]) => ({ tracing_name: name, operations });

/** A front end calling payments; payments' A has two Sleeps, its B one, its C nothing. */
const SERVICES = {
  front: { behaviour: { grpc_method_a: fn('GET /', sleep('render'), { Action: { CallService: { service: 'payments', grpc_method: 'A' } } }) } },
  payments: { behaviour: { grpc_method_a: fn('pay', sleep('call card network'), sleep('save')), grpc_method_b: fn('refund', sleep('undo')) } },
};

/** A valid one-off incident; each case below changes it. */
const OUTAGE = { name: 'outage', at: '1s', for: '2s', service: 'payments', failure_chance: 1 };

const parse = (incidents: unknown): Topology => parseTopology(JSON.stringify({ services: SERVICES, incidents }), 'shop.json', 'json', tmpdir());

function problemsOf(incidents: unknown): string[] {
  try {
    parse(incidents);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail(`expected a ConfigError, but ${JSON.stringify(incidents)} was accepted`);
}

const STATUS_LIST = 'CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED';
const FOR_PROBLEM = 'must be a time from 1 ms to 24h such as "30s", "2m" or "500ms" (each window is one admin API incident, and those end within a day)';
const AT_PROBLEM = 'must be a time after the start of traffic, at most a year, such as "0s", "30s" or "5m"';

// Each bad entry, and exactly the lines it gets (no line said twice, none missing).
const BAD_ENTRIES: [string, object, (string | RegExp)[]][] = [
  ['an unknown service, with a did-you-mean and the list', { service: 'paymnts' }, ['incidents[0].service: unknown service "paymnts" (did you mean "payments"?); services are: front, payments']],
  ['an unknown step, with a did-you-mean and the Sleeps', { step: 'call card netwrk' }, ['incidents[0].step: "call card netwrk" is not a Sleep of "payments" (did you mean "call card network"?); its Sleeps: "call card network", "save", "undo"']],
  ['an unknown step of one method, with that method\'s Sleeps', { method: 'B', step: 'save' }, ['incidents[0].step: "save" is not a Sleep of method B of "payments"; its Sleeps: "undo"']],
  ['a Function named as the step', { method: 'A', step: 'pay' }, ['incidents[0].step: "pay" is a Function; incidents change Sleep steps only (name a Sleep of method A of "payments", or none for all of them)']],
  ['a CallService named as the step', { service: 'front', step: 'call payments/A' }, ['incidents[0].step: "call payments/A" is a CallService; incidents change Sleep steps only (name a Sleep of "front", or none for all of them)']],
  ['a method without a behaviour', { method: 'C' }, ['incidents[0].method: C of "payments" has no behaviour (it answers OK at once), so nothing to change']],
  ['a method that is not A, B or C, said once', { method: 'D' }, ['incidents[0].method: must be one of "A", "B", "C" (got string "D")']],
  ['a chance above 1', { failure_chance: 1.5 }, ['incidents[0].failure_chance: must be a number from 0 to 1 (got 1.5)']],
  ['a chance below 0', { failure_chance: -0.1 }, ['incidents[0].failure_chance: must be a number from 0 to 1 (got -0.1)']],
  ['a chance given as text, said once and not as "changes nothing"', { failure_chance: '1' }, ['incidents[0].failure_chance: must be a number (got string "1")']],
  ['negative latency changes', { extra_latency_ms: -1, latency_factor: -2 }, ['incidents[0].extra_latency_ms: must be a number from 0 to 86400000 (got -1)', 'incidents[0].latency_factor: must be a number from 0 to 1000000 (got -2)']],
  ['an empty failure_code (the admin API would read it as unset)', { failure_code: '' }, ['incidents[0].failure_code: is empty; give a gRPC status name such as "UNAVAILABLE", or leave it out for INTERNAL']],
  ['an unknown failure_code, with a did-you-mean', { failure_code: 'UNAVAILBLE' }, [`incidents[0].failure_code: unknown gRPC failure status "UNAVAILBLE" (did you mean "UNAVAILABLE"?); expected one of ${STATUS_LIST}`]],
  ['OK as the failure_code', { failure_code: 'OK' }, [`incidents[0].failure_code: unknown gRPC failure status "OK"; expected one of ${STATUS_LIST}`]],
  ['a failure_code without failure_chance', { failure_chance: undefined, failure_code: 'UNAVAILABLE', extra_latency_ms: 5 }, ['incidents[0].failure_code: is the code of injected failures; without failure_chance there are none']],
  ['no change at all', { failure_chance: undefined }, ['incidents[0]: an incident changes nothing without failure_chance, extra_latency_ms or latency_factor']],
  ['`for` 0', { for: '0s' }, [`incidents[0].for: ${FOR_PROBLEM}`]],
  ['`for` over 24 h', { for: '86400.001s' }, [`incidents[0].for: ${FOR_PROBLEM}`]],
  ['`for` that is not a time', { for: 'soon' }, [`incidents[0].for: ${FOR_PROBLEM}`]],
  ['`at` negative', { at: '-1s' }, [`incidents[0].at: ${AT_PROBLEM}`]],
  ['`at` that is not a time', { at: 'later' }, [`incidents[0].at: ${AT_PROBLEM}`]],
  ['`at` with a zero and junk', { at: '0x' }, [`incidents[0].at: ${AT_PROBLEM}`]],
  ['repeat_every equal to `for`', { repeat_every: '2s' }, ['incidents[0].repeat_every: must be longer than "for" (2s); otherwise one window would not end before the next begins']],
  ['repeat_every shorter than `for`', { repeat_every: '1500ms' }, ['incidents[0].repeat_every: must be longer than "for" (2s); otherwise one window would not end before the next begins']],
  ['repeat_every longer than `for` only below the millisecond the windows are kept in', { repeat_every: '2.0004s' }, ['incidents[0].repeat_every: must be longer than "for" (2s); otherwise one window would not end before the next begins']],
  ['repeat_every 0', { repeat_every: '0s' }, ['incidents[0].repeat_every: must be a time from 1 ms to a year such as "30s", "2m" or "1h"']],
  ['repeat_every over a year', { repeat_every: '8761h' }, ['incidents[0].repeat_every: must be a time from 1 ms to a year such as "30s", "2m" or "1h"']],
  ['an unknown key, with a did-you-mean', { failur_chance: 1 }, ['incidents[0].failur_chance: unknown key (did you mean "failure_chance"?)']],
  ['an empty name, said once', { name: '' }, ['incidents[0].name: must not be empty or only spaces']],
  ['a name past 256 characters, said once', { name: 'x'.repeat(257) }, [/^incidents\[0\]\.name: must be ≤ 256 characters long \(got string "x+\.\.\.\)$/]],
  ['a step that is not well-formed text, said once', { step: 'call \ud800' }, [/^incidents\[0\]\.step: contains a lone UTF-16 surrogate at character 6 /]],
  ['missing name, at, for and service', { name: undefined, at: undefined, for: undefined, service: undefined }, ['incidents[0].name: is required (string)', 'incidents[0].at: is required (string)', 'incidents[0].for: is required (string)', 'incidents[0].service: is required (string)']],
];

for (const [what, change, expected] of BAD_ENTRIES) {
  test(`an incident with ${what} is refused at its path`, () => {
    const problems = problemsOf([{ ...OUTAGE, ...change }]);
    assert.equal(problems.length, expected.length, problems.join('\n'));
    expected.forEach((line, index) => {
      if (typeof line === 'string') assert.equal(problems[index], `shop.json: ${line}`);
      else assert.match(problems[index]!.replace(/^shop\.json: /, ''), line);
    });
  });
}

test('`at` takes a zero written any way a duration is, for "as traffic starts"', () => {
  for (const at of ['0', '0s', '0.0m', ' 00 ms ']) assert.equal(parse([{ ...OUTAGE, at }]).incidents[0]!.atMs, 0, at);
});

test('a loaded incident is in whole milliseconds, with the default failure code filled in', () => {
  const topology = parse([
    { name: 'payments outage', at: '4s', for: '4s', repeat_every: '20s', service: 'payments', method: 'A', step: 'call card network', failure_chance: 1, failure_code: 'UNAVAILABLE', extra_latency_ms: 200, latency_factor: 3 },
    { name: 'slow refunds', at: '1.5m', for: '0.0015s', service: 'payments', method: 'B', latency_factor: 2 },
    { name: 'flaky', at: '1h', for: '24h', service: 'front', failure_chance: 0.25 },
  ]);
  // front calls payments, so a request can meet both "flaky" and "payments outage".
  assert.deepEqual(topology.warnings, ['incident "flaky" can be in effect together with "payments outage": their changes combine, but predict and verify reckon each window with its own incident alone']);
  assert.deepEqual(topology.incidents, [
    { name: 'payments outage', service: 'payments', method: 'A', step: 'call card network', failureChance: 1, failureCode: 'UNAVAILABLE', extraLatencyMs: 200, latencyFactor: 3, atMs: 4000, forMs: 4000, repeatEveryMs: 20000 },
    { name: 'slow refunds', service: 'payments', method: 'B', latencyFactor: 2, atMs: 90000, forMs: 2 },
    { name: 'flaky', service: 'front', failureChance: 0.25, failureCode: 'INTERNAL', atMs: 3_600_000, forMs: 86_400_000 },
  ]);
  assert.deepEqual(parse(undefined).incidents, []);
});

test('every bad incident is said at once, each at its own index, and every name given twice, even on an entry with problems', () => {
  const problems = problemsOf([
    { ...OUTAGE, name: 'a', service: 'paymnts' },
    { ...OUTAGE, name: 'a', for: 'soon' },
    { ...OUTAGE, name: 'b' },
    { ...OUTAGE, name: 'b', at: '10s' },
    { ...OUTAGE, name: 'a', at: '20s', step: 'nope' },
    { ...OUTAGE, name: 'c', at: '30s' },
  ]);
  const twice = (index: number, name: string, earlier: number) => `shop.json: incidents[${index}].name: "${name}" is also the name of incidents[${earlier}]; every incident needs its own (spans and verify's report tell them apart by it)`;
  assert.deepEqual(problems, [
    `shop.json: incidents[1].for: ${FOR_PROBLEM}`,
    'shop.json: incidents[0].service: unknown service "paymnts" (did you mean "payments"?); services are: front, payments',
    'shop.json: incidents[4].step: "nope" is not a Sleep of "payments"; its Sleeps: "call card network", "save", "undo"',
    twice(1, 'a', 0),
    twice(3, 'b', 2),
    twice(4, 'a', 0),
  ]);
});

const contradiction = (index: number, earlier: number, name: string, on: string, code: string, earlierCode: string) =>
  `shop.json: incidents[${index}]: can be in effect together with incidents[${earlier}] ("${name}") on ${on}, failing it with ${code} where that one fails it with ${earlierCode}; a failure has one code: give both the same failure_code, or move one so that their windows never meet`;

test('two incidents that can fail the same step at once with different codes are refused: one-off, periodic, and periodic that meet only after many cycles', () => {
  const unavailable = { ...OUTAGE, failure_code: 'UNAVAILABLE' };
  // Both one-off: [1 s, 3 s) and [2.5 s, 3.5 s).
  assert.deepEqual(problemsOf([{ ...unavailable, name: 'a' }, { ...OUTAGE, name: 'b', at: '2.5s', for: '1s' }]), [contradiction(1, 0, 'a', 'payments', 'INTERNAL', 'UNAVAILABLE')]);
  // Every 10 s for 1 s from 0, against one at 30.5 s: the fourth window meets it.
  assert.deepEqual(
    problemsOf([{ ...unavailable, name: 'a', at: '0', for: '1s', repeat_every: '10s' }, { ...OUTAGE, name: 'b', at: '30.5s', for: '1s', step: 'save' }]),
    [contradiction(1, 0, 'a', '"save" of payments', 'INTERNAL', 'UNAVAILABLE')],
  );
  // The one-off first, the periodic second: the same pair, reported at the later entry.
  assert.deepEqual(
    problemsOf([{ ...OUTAGE, name: 'b', at: '30.5s', for: '1s' }, { ...unavailable, name: 'a', at: '0', for: '1s', repeat_every: '10s' }]),
    [contradiction(1, 0, 'b', 'payments', 'UNAVAILABLE', 'INTERNAL')],
  );
  // Every 5 s and every 7 s, 1 s each, from 0 and 2 s: first together at 30 s (a's 7th window, b's 5th).
  assert.deepEqual(
    problemsOf([{ ...unavailable, name: 'a', at: '0', for: '1s', repeat_every: '5s' }, { ...OUTAGE, name: 'b', at: '2s', for: '1s', repeat_every: '7s', method: 'A' }]),
    [contradiction(1, 0, 'a', 'payments', 'INTERNAL', 'UNAVAILABLE')],
  );
});

test('overlaps that contradict nothing load, with a warning that predict and verify reckon each window alone', () => {
  const warning = (b: string, a: string) => `incident "${b}" can be in effect together with "${a}": their changes combine, but predict and verify reckon each window with its own incident alone`;
  const cases: [string, object[]][] = [
    ['the same code', [{ ...OUTAGE, name: 'a', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', failure_code: 'UNAVAILABLE' }]],
    ['different steps', [{ ...OUTAGE, name: 'a', step: 'save', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', step: 'call card network' }]],
    ['one only slows', [{ ...OUTAGE, name: 'a', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', failure_chance: undefined, latency_factor: 3 }]],
    ['one with chance 0', [{ ...OUTAGE, name: 'a', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', failure_chance: 0 }]],
    ['different methods', [{ ...OUTAGE, name: 'a', method: 'A', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', method: 'B' }]],
    // "save" is a Sleep of A only, and b changes B only: no step has both.
    ['a step of one method against a whole other method', [{ ...OUTAGE, name: 'a', step: 'save', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', method: 'B' }]],
    ['different services', [{ ...OUTAGE, name: 'a', failure_code: 'UNAVAILABLE' }, { ...OUTAGE, name: 'b', at: '2s', service: 'front' }]],
  ];
  for (const [what, incidents] of cases) assert.deepEqual(parse(incidents).warnings, [warning('b', 'a')], what);
});

test('incidents whose windows never meet load without a warning, however long traffic runs', () => {
  const unavailable = { ...OUTAGE, failure_code: 'UNAVAILABLE' };
  const cases: [string, object[]][] = [
    ['one-off, back to back', [{ ...unavailable, name: 'a' }, { ...OUTAGE, name: 'b', at: '3s' }]],
    // Differences of starts are 2 s + multiples of 4 s: never within 1 s.
    ['every 4 s and every 8 s', [{ ...unavailable, name: 'a', at: '0', for: '1s', repeat_every: '4s' }, { ...OUTAGE, name: 'b', at: '2s', for: '1s', repeat_every: '8s' }]],
    ['periodic, and a one-off between two windows', [{ ...unavailable, name: 'a', at: '0', for: '1s', repeat_every: '10s' }, { ...OUTAGE, name: 'b', at: '31s', for: '9s' }]],
  ];
  for (const [what, incidents] of cases) assert.deepEqual(parse(incidents).warnings, [], what);
});
