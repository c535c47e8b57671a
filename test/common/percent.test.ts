import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPercent } from '../../src/common/percent';

test('hundredths of a percent below 10%, tenths from 10%, trailing zeros kept', () => {
  assert.equal(formatPercent(0.0783), '7.83%');
  assert.equal(formatPercent(0.05), '5.00%');
  assert.equal(formatPercent(0.001), '0.10%');
  assert.equal(formatPercent(0.2), '20.0%');
  assert.equal(formatPercent(1 / 3), '33.3%');
});

test('"0%" and "100%" only for exactly none and all', () => {
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(1), '100%');
  // Just short of all: as many digits as it takes not to read as 100%.
  assert.equal(formatPercent(0.9996), '99.96%');
  assert.equal(formatPercent(0.99996), '99.996%');
  assert.equal(formatPercent(1 - 1e-12), '99.9999999999%');
  assert.equal(formatPercent(0.9994), '99.9%');
  // However small, a share that is not none keeps two significant digits (and no exponent).
  assert.equal(formatPercent(0.0005), '0.050%');
  assert.equal(formatPercent(1 / 2850), '0.035%');
  assert.equal(formatPercent(4e-9), '0.00000040%');
});

test('beyond 100% (a ratio of rates) as any other figure from 10% up', () => {
  assert.equal(formatPercent(1.5), '150.0%');
});
