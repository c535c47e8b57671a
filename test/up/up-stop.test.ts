import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { isAlive, readyPids, startUp, survivors, tempDir, writeFrontAndBack } from './up-helpers';
import { setTimeout as delay } from 'node:timers/promises';

test('SIGTERM (like Ctrl-C) to `thespian up` stops everything in order: summary printed, exit 0, no child left', async () => {
  const dir = tempDir();
  try {
    const up = startUp([await writeFrontAndBack(dir, 'two.json', 50), '--quiet']);
    await up.waitForOutput(/^ready: .*$/m);
    const pids = readyPids(up.stdout());
    assert.equal(pids.length, 2);
    assert.ok(pids.every(isAlive));
    await delay(1_000);
    up.child.kill('SIGTERM');
    const { code } = await up.exited;
    assert.equal(code, 0, up.stderr());
    assert.match(up.stdout(), /stopped after [\d.]+ s \(SIGTERM\)/);
    assert.match(up.stdout(), /requests {2}\d+ sent/);
    assert.match(up.stdout(), /, 0 failed/, 'requests in flight at the signal were answered, not cut off');
    assert.deepEqual(await survivors(pids, 5_000), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL to `thespian up` leaves no child behind: the services notice and exit by themselves', async () => {
  const dir = tempDir();
  try {
    const up = startUp([await writeFrontAndBack(dir, 'two.json', 50), '--quiet']);
    await up.waitForOutput(/^ready: .*$/m);
    const pids = readyPids(up.stdout());
    assert.equal(pids.length, 2);
    up.child.kill('SIGKILL');
    await up.exited;
    const left = await survivors(pids, 10_000);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    assert.deepEqual(left, [], 'every service exited after its parent was killed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
