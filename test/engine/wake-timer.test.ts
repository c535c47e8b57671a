/**
 * The wake-up thread runs with a small heap (wake-timer.ts). These check that the limit leaves
 * room for what an instance asks of it at its busiest: many sleeps in flight at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WakeTimer } from '../../src/engine/timing/wake-timer';

test('the wake-up thread keeps 100,000 sleeps in flight at once: all wake, none early, and the thread still runs', async () => {
  const timer = new WakeTimer();
  assert.equal(await timer.ready, true, 'the thread started');
  const count = 100_000;
  const start = performance.now();
  const early: number[] = [];
  const woken = await Promise.all(
    Array.from({ length: count }, (_, index) => {
      // Spread over 300 ms, so that they are all pending while the last are still being posted.
      const at = start + 300 + (index % 300);
      return new Promise<number>((resolve) =>
        timer.at(at, (wokeAt) => {
          if (wokeAt < at) early.push(index);
          resolve(wokeAt);
        }),
      );
    }),
  );
  assert.equal(woken.length, count);
  assert.deepEqual(early.slice(0, 5), [], `${early.length} woke early`);
  assert.equal(timer.threadRuns, true, 'the thread ran out of heap, and the main thread took its timers over');
});

test('a wake-up thread that dies mid-run says so once, and every sleep still wakes, none early', async () => {
  // The smallest heap the thread starts with (Node 20 and 22 differ), which 400,000 pending
  // wake-ups then overflow: the thread runs out of heap and dies.
  let timer: WakeTimer | undefined;
  for (const heapMb of [7, 8, 9, 10, 12, 14]) {
    const candidate = new WakeTimer(heapMb);
    if (await candidate.ready) {
      timer = candidate;
      break;
    }
  }
  assert.ok(timer, 'the thread started with one of the small heaps');
  const wake = timer;
  const told: string[] = [];
  wake.onThreadLost((why) => told.push(why));
  const start = performance.now();
  const early: number[] = [];
  await Promise.all(
    Array.from({ length: 400_000 }, (_, index) => {
      const at = start + 300 + (index % 300);
      return new Promise<void>((resolve) =>
        wake.at(at, (wokeAt) => {
          if (wokeAt < at) early.push(index);
          resolve();
        }),
      );
    }),
  );
  assert.equal(early.length, 0, `${early.length} woke early`);
  assert.equal(wake.threadRuns, false, 'the thread died (else this test shows nothing)');
  assert.equal(told.length, 1, `told once: ${told.join(' | ')}`);
});
