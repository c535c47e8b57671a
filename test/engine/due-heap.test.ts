/**
 * The wake-up thread's queue (src/engine/timing/due-heap.ts): whatever the order wake-ups come
 * in, and however pushes and pops interleave, the earliest pending one is always next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DueHeap, type Due } from '../../src/engine/timing/due-heap';
import { seededRandom } from '../../src/engine';

test('pops wake-ups earliest first, with pushes and pops interleaved, ties included', () => {
  const random = seededRandom(14);
  const heap = new DueHeap();
  const pending: Due[] = [];
  const popped: Due[] = [];
  let id = 0;
  for (let round = 0; round < 2_000; round++) {
    // More pushes than pops, so the heap grows and shrinks through many shapes; whole ms make ties.
    if (random.next() < 0.6 || pending.length === 0) {
      const due = { id: id++, at: Math.floor(random.next() * 50) };
      heap.push(due);
      pending.push(due);
    } else {
      const earliest = Math.min(...pending.map((due) => due.at));
      const next = heap.pop()!;
      assert.equal(next.at, earliest, `round ${round}: popped ${next.at} while ${earliest} was pending`);
      pending.splice(pending.indexOf(next), 1);
      popped.push(next);
    }
    assert.equal(heap.size, pending.length);
  }
  while (heap.size > 0) popped.push(heap.pop()!);
  assert.equal(heap.pop(), undefined);
  assert.equal(heap.peek(), undefined);
  assert.equal(popped.length, id, 'every wake-up came out once');
  assert.equal(new Set(popped.map((due) => due.id)).size, id);
});
