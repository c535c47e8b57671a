import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOfQuantile } from '../../src/collector';

const BOUNDS = [0.01, 0.025, 0.05];

test('a quantile is given as the bucket it falls in: above the bound before, at most its own, no interpolation', () => {
  // 10 calls: 2 ≤ 10 ms, 5 in (10, 25], 2 in (25, 50], 1 above 50 ms.
  const counts = [2, 5, 2, 1];
  assert.deepEqual(bucketOfQuantile(BOUNDS, counts, 0.2), { above: 0, atMost: 0.01 }, 'rank 2 is reached in the first bucket');
  assert.deepEqual(bucketOfQuantile(BOUNDS, counts, 0.5), { above: 0.01, atMost: 0.025 });
  assert.deepEqual(bucketOfQuantile(BOUNDS, counts, 0.9), { above: 0.025, atMost: 0.05 });
  assert.deepEqual(bucketOfQuantile(BOUNDS, counts, 0.99), { above: 0.05, atMost: null }, 'above the last bound the histogram knows no upper limit');
});

test('empty buckets below the rank are skipped, an empty histogram has no quantile', () => {
  assert.deepEqual(bucketOfQuantile(BOUNDS, [0, 0, 4, 0], 0.5), { above: 0.025, atMost: 0.05 });
  assert.deepEqual(bucketOfQuantile(BOUNDS, [0, 0, 4, 0], 0.99), { above: 0.025, atMost: 0.05 });
  assert.equal(bucketOfQuantile(BOUNDS, [0, 0, 0, 0], 0.5), undefined);
  assert.equal(bucketOfQuantile(BOUNDS, [], 0.5), undefined);
});
