import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactJson } from '../../src/common';

test('compactJson keeps what fits on a line on it, opens up the rest, and reads back as the same value', () => {
  const step = { Action: { Sleep: { tracing_name: 'query', duration: { LogNormal: { median_ms: 3, p99_ms: 30 } } } } };
  const value = { name: 'x', empty: {}, none: [], services: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`s${i}`, { operations: [step, step] }])) };
  const text = compactJson(value);
  assert.deepEqual(JSON.parse(text), value);
  assert.match(text, /^ {8}\{ "Action": \{ "Sleep": \{ "tracing_name": "query", "duration": \{ "LogNormal": \{ "median_ms": 3, "p99_ms": 30 \} \} \} \} \},?$/m);
  assert.match(text, /^ {2}"empty": \{\},$/m);
  for (const line of text.split('\n')) assert.ok(line.length <= 140, line);
  assert.equal(compactJson([1, 'a', null]), '[1, "a", null]');
});
