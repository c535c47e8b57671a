import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopSequence } from '../../src/ensemble/stop-sequence';

test('steps run by stage in the fixed order, whatever order the pieces registered them in; within a stage, as registered', async () => {
  const ran: string[] = [];
  const stops = new StopSequence(['stop sending', 'stop services', 'close'] as const);
  stops.add('close', () => ran.push('close receivers'));
  stops.add('stop sending', () => ran.push('stop the run'));
  stops.add('stop services', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    ran.push('services stopped');
  });
  stops.add('close', () => ran.push('remove logs'));
  stops.add('stop sending', () => ran.push('stop the watcher'));
  await stops.stop();
  assert.deepEqual(ran, ['stop the run', 'stop the watcher', 'services stopped', 'close receivers', 'remove logs']);
});

test('a second stop() waits for the same one stop, and no step runs twice', async () => {
  let runs = 0;
  const stops = new StopSequence(['only'] as const);
  stops.add('only', async () => {
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const first = stops.stop();
  const second = stops.stop();
  assert.equal(first, second);
  await Promise.all([first, second, stops.stop()]);
  assert.equal(runs, 1);
});

test('a piece that never started has nothing to stop: only what registered runs', async () => {
  const ran: string[] = [];
  const stops = new StopSequence(['stop sending', 'stop services', 'close'] as const);
  stops.add('stop sending', () => ran.push('stop the run'));
  stops.add('close', () => ran.push('close receivers'));
  await stops.stop();
  assert.deepEqual(ran, ['stop the run', 'close receivers']);
});
