import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { isAlive, readyPids, startUp, survivors, tempDir, writeEntryPoints, writeFrontAndBack } from './up-helpers';
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

test('a run cut short by a signal reports a rate no higher than the one asked for, though every entry point sends its first request at once', async () => {
  const dir = tempDir();
  try {
    // Two entry points in step: counting the time to the signal would add one request per entry point.
    const topology = await writeEntryPoints(dir, 'two-entries.json', [4, 4]);
    const up = startUp([topology, '--quiet']);
    await up.waitForOutput(/^ready: .*$/m);
    await delay(1_200);
    up.child.kill('SIGTERM');
    const { code } = await up.exited;
    assert.equal(code, 0, up.stderr());
    const rates = /requests {2}(\d+) sent at ([\d.]+)\/s \(asked ([\d.]+)\/s\)/.exec(up.stdout());
    assert.ok(rates, up.stdout());
    assert.ok(Number(rates[1]) > 0, up.stdout());
    assert.ok(Number(rates[2]) <= Number(rates[3]), `achieved ${rates[2]}/s, asked ${rates[3]}/s:\n${up.stdout()}`);
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
