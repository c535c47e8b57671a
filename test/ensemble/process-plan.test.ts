import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import fc from 'fast-check';
import { PACK_ABOVE_SERVICES, planProcesses } from '../../src/ensemble/process-plan';

const names = (count: number) => Array.from({ length: count }, (_, index) => `s${index}`);

test('every service lands in exactly one process, in topology order, and pack sizes differ by at most one', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 }), fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }), (count, servicesPerProcess) => {
      const groups = planProcesses(names(count), { servicesPerProcess });
      assert.deepEqual(groups.flat(), names(count));
      const sizes = groups.map((group) => group.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(',')}`);
      assert.ok(sizes.every((size) => size >= 1));
      if (servicesPerProcess !== undefined) assert.ok(Math.max(...sizes) <= servicesPerProcess);
    }),
  );
});

test('by default a small topology gets a process per service; a large one at most 25 to a process, on every core', () => {
  assert.equal(planProcesses(names(PACK_ABOVE_SERVICES)).length, PACK_ABOVE_SERVICES);
  const packed = planProcesses(names(200));
  assert.ok(Math.max(...packed.map((group) => group.length)) <= 25);
  assert.ok(packed.length >= Math.min(200, availableParallelism()));
  assert.ok(planProcesses(names(PACK_ABOVE_SERVICES + 1)).length < PACK_ABOVE_SERVICES + 1, 'one more service than the limit is packed');
});
