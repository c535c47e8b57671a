import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate, logsLine } from '../../src/ensemble/up-report';

test("up's summary says how the log lines came, and when none came, that neither path brought any", () => {
  assert.equal(logsLine({ loki: 0, otlp: 0 }), 'no log lines arrived (neither OTLP log records nor Loki pushes)');
  assert.equal(logsLine({ loki: 0, otlp: 1234 }), '1,234 OTLP log records received');
  assert.equal(logsLine({ loki: 305, otlp: 0 }), '305 lines pushed to the embedded Loki receiver');
  assert.equal(logsLine({ loki: 5, otlp: 1000 }), '1,005 lines received: 5 pushed to the embedded Loki receiver, 1,000 as OTLP log records');
});

test('a rate is written as a person would: at most two decimals, no dangling point', () => {
  // Three entry points of 5/3 req/s each sum to a hair off 5 in floating point.
  assert.equal(formatRate(5 / 3 + 5 / 3 + 5 / 3 + 1e-9), '5');
  assert.equal(formatRate(2.5), '2.5');
  assert.equal(formatRate(0.125), '0.13');
  assert.equal(formatRate(3), '3');
  assert.equal(formatRate(0.001), '0.001', 'a slow rate is not rounded to nothing');
  assert.equal(formatRate(0.0034), '0.0034');
});
