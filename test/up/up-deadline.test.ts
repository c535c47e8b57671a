import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readyPids, startUp, survivors, tempDir, writeFrontAndBack, type UpProcess } from './up-helpers';

// front calls back; the test stops back with SIGSTOP, so every request hangs there.

/** Starts `up`, waits until it is ready and traffic flows, then SIGSTOPs the back service. */
async function upWithStoppedService(dir: string, timeout: string, extraArgs: string[] = []): Promise<{ up: UpProcess; pids: number[] }> {
  const up = startUp([await writeFrontAndBack(dir, 'stalled.json', 20), '--quiet', '--timeout', timeout, ...extraArgs]);
  await up.waitForOutput(/^ready: .*$/m);
  const [frontPid, backPid] = readyPids(up.stdout());
  assert.ok(frontPid && backPid, up.stdout());
  await delay(500);
  process.kill(backPid, 'SIGSTOP');
  // Requests pile up in flight behind the stopped service.
  await delay(1_000);
  return { up, pids: [frontPid, backPid] };
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Ctrl-C, then how long `up` took to exit; killed after a minute, so a hang fails the test rather than stalling the run. */
async function interruptAndWait(up: UpProcess): Promise<{ code: number | null; tookMs: number }> {
  const signalledAt = Date.now();
  up.child.kill('SIGINT');
  const killer = setTimeout(() => up.child.kill('SIGKILL'), 60_000);
  const { code } = await up.exited;
  clearTimeout(killer);
  return { code, tookMs: Date.now() - signalledAt };
}

test('Ctrl-C with a service stopped (SIGSTOP): `up` ends within the request deadline plus a margin, the stuck requests counted as past it', async () => {
  const dir = tempDir();
  let pids: number[] = [];
  try {
    const started = await upWithStoppedService(dir, '2s');
    const { up } = started;
    pids = started.pids;
    assert.match(up.stdout(), /each request's deadline 2 s \(--timeout\)/);
    const { code, tookMs } = await interruptAndWait(up);
    // Generous: the deadline (2 s) plus time to stop two services. Without a deadline this took over 40 s.
    assert.ok(tookMs < 15_000, `up took ${tookMs} ms to stop after Ctrl-C; stdout:\n${up.stdout()}`);
    assert.equal(code, 0, up.stderr());
    assert.match(up.stdout(), /stopping \(SIGINT\): waiting for \d+ requests? in flight \(each ends by its 2 s deadline\)/);
    const stuck = /(\d+) DEADLINE_EXCEEDED/.exec(up.stdout());
    assert.ok(stuck && Number(stuck[1]) > 0, `the stuck requests failed with DEADLINE_EXCEEDED; stdout:\n${up.stdout()}`);
    assert.match(up.stdout(), new RegExp(`; ${stuck[1]} passed the 2 s deadline \\(--timeout\\)`));
    // The stopped service got SIGCONT with its SIGTERM, so it too stopped cleanly.
    assert.deepEqual(await survivors(pids, 5_000), []);
  } finally {
    killAll(pids);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second Ctrl-C ends `up` at once, however long the requests in flight could still take, and kills every service', async () => {
  const dir = tempDir();
  let pids: number[] = [];
  try {
    const summaryFile = join(dir, 'summary.json');
    const started = await upWithStoppedService(dir, '120s', ['--summary-json', summaryFile]);
    const { up } = started;
    pids = started.pids;
    up.child.kill('SIGINT');
    await up.waitForOutput(/stopping \(SIGINT\)/, 10_000);
    const { code, tookMs } = await interruptAndWait(up);
    // Only catches a hang: "at once" on a busy machine may still be a second or two.
    assert.ok(tookMs < 5_000, `up took ${tookMs} ms after the second Ctrl-C`);
    assert.equal(code, 130);
    assert.match(up.stderr(), /SIGINT again: services killed, stopped at once with \d+ requests? in flight; the final summary is not printed nor written/);
    assert.equal(existsSync(summaryFile), false, 'no empty --summary-json is left for a script to misread');
    assert.deepEqual(await survivors(pids, 5_000), [], 'no service outlives `up`, the stopped one included');
    // The services' logs are kept, and named; this test has no use for them.
    const kept = /the logs stay in (\S+)/.exec(up.stderr())?.[1];
    assert.ok(kept, up.stderr());
    rmSync(kept, { recursive: true, force: true });
  } finally {
    killAll(pids);
    rmSync(dir, { recursive: true, force: true });
  }
});
