import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate } from '../../src/ensemble/up-report';

test('a rate is written as a person would: at most two decimals, no dangling point', () => {
  // Three entry points of 5/3 req/s each sum to a hair off 5 in floating point.
  assert.equal(formatRate(5 / 3 + 5 / 3 + 5 / 3 + 1e-9), '5');
  assert.equal(formatRate(2.5), '2.5');
  assert.equal(formatRate(0.125), '0.13');
  assert.equal(formatRate(3), '3');
});
