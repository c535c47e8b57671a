/**
 * The real clock and the turn queue: sleeps timed off the main thread, and work taken a short
 * turn's worth at a time. These are what keep a Sleep's span at its configured length under load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { prepareSystemClock, TurnQueue } from '../../src/engine';
import { setTimeout as delay } from 'node:timers/promises';

const never = () => new AbortController().signal;

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a sleep never ends early, and is timed from the moment given', async () => {
  const { clock, timer } = await prepareSystemClock();
  assert.equal(timer, 'thread', 'the timer thread runs');
  for (const ms of [1, 7, 25]) {
    const from = clock.now();
    const woke = await clock.sleep(ms, never(), from);
    assert.ok(woke - from >= ms, `a ${ms} ms sleep woke after ${(woke - from).toFixed(3)} ms`);
    assert.ok(woke <= clock.now(), 'it woke no later than now');
  }
  const from = clock.now() - 10;
  const before = clock.now();
  const woke = await clock.sleep(30, never(), from);
  assert.ok(woke - from >= 30, 'measured from `from`');
  assert.ok(woke - before < 28, `so it waited only the rest (${(woke - before).toFixed(1)} ms)`);
});

test('a main thread blocked for 150 ms does not stretch a 20 ms sleep: it ends on time and carries on later', async () => {
  const { clock } = await prepareSystemClock();
  const start = clock.now();
  const sleeping = clock.sleep(20, never(), start);
  busyFor(150);
  const woke = await sleeping;
  const carriedOnAt = clock.now();
  // The margin allows for a busy CI machine's scheduler; a timer on this thread would say ≥ 150.
  assert.ok(woke - start >= 20 && woke - start < 60, `the sleep ended after ${(woke - start).toFixed(1)} ms`);
  assert.ok(carriedOnAt - start >= 150, 'what came after it waited for the thread');
});

test('an aborted sleep rejects with the reason and never resolves', async () => {
  const { clock } = await prepareSystemClock();
  const controller = new AbortController();
  let resolved = false;
  const sleeping = clock.sleep(100, controller.signal).then(() => (resolved = true));
  setTimeout(() => controller.abort(new Error('caller went away')), 5);
  await assert.rejects(sleeping, /caller went away/);
  await delay(150);
  assert.equal(resolved, false);
  await assert.rejects(clock.sleep(10, AbortSignal.abort(new Error('already'))), /already/);
});

test('a pending sleep keeps the process alive, and the timer thread never does once nothing is pending', () => {
  const script = `
    const { prepareSystemClock } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'engine'))});
    prepareSystemClock().then(async ({ clock }) => {
      const from = clock.now();
      const woke = await clock.sleep(200, new AbortController().signal, from);
      console.log(String(Math.round(woke - from)));
    });`;
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.ok(Number(result.stdout.trim()) >= 200, `slept ${result.stdout.trim()} ms before exiting`);
  assert.ok(performance.now() - started < 15_000, 'and then exited by itself');
});

test('the turn queue runs tasks in order, and a task that overruns its turn lets a timer due meanwhile run before the next', async () => {
  const queue = new TurnQueue();
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    setTimeout(() => order.push('timer'), 1);
    queue.defer(() => {
      order.push('first');
      busyFor(10);
    });
    queue.defer(() => {
      order.push('second');
      busyFor(10);
    });
    queue.defer(() => {
      order.push('third');
      resolve();
    });
  });
  assert.deepEqual(
    order.filter((name) => name !== 'timer'),
    ['first', 'second', 'third'],
  );
  assert.ok(order.indexOf('timer') < order.indexOf('second'), `the timer did not wait for the whole queue: ${order.join(', ')}`);
  assert.equal(queue.length, 0);
});

test('services packed into one process share one timer thread, raised once: asking again prepares nothing new', async () => {
  // Each preparation with `auto` runs chrt on the thread; a pack of 25 services ran it 25 times.
  const first = prepareSystemClock('auto');
  const again = prepareSystemClock('auto');
  assert.equal(again, first, 'the same preparation');
});

test('the turn queue runs cheap tasks waiting together in a few turns, not one turn each', async () => {
  const queue = new TurnQueue();
  const TASKS = 100;
  let turns = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    for (let task = 0; task < TASKS; task++) queue.defer(() => void done++);
    // Counts loop turns until the tasks are done: one turn per task would make it TASKS.
    const countTurn = () => {
      turns++;
      if (done < TASKS) setImmediate(countTurn);
      else resolve();
    };
    setImmediate(countTurn);
  });
  // A turn is cut short only when the process is held up for a millisecond mid-turn, which a busy
  // machine does now and then, never once per task.
  assert.ok(turns < TASKS / 2, `${TASKS} cheap tasks took ${turns} turns`);
});

test('a task deferred by a task of the turn waits for the next turn, so a task that defers itself cannot hold the loop', async () => {
  const queue = new TurnQueue();
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    queue.defer(() => {
      order.push('first');
      queue.defer(() => {
        order.push('deferred by first');
        resolve();
      });
    });
    setImmediate(() => order.push('next turn'));
  });
  assert.deepEqual(order, ['first', 'next turn', 'deferred by first']);
});
