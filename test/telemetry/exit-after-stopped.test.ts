import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { blackHole } from '../support/black-hole';
import { closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

after(() => closeClients());

// The linger after `stopped` (issue 11, item 18) was the Loki flush: `stopped` was written first,
// then the instance waited up to the flush deadline (3 s) for a Loki that did not answer. Now
// the flush comes first and `stopped` says what it could not deliver, so it is the last thing
// the instance does. Compared with the time the flush took, so a slow machine cannot break it.
test('an idle instance whose Loki never answers exits as soon as it logs "stopped": the Loki flush comes before that line, and the line counts what was lost', async () => {
  // A Loki behind a black hole: it accepts the connection and never answers.
  const { endpoint, close } = await blackHole();
  try {
    const instance = await startInstance({ env: { LOKI_ADDRESS: endpoint }, behaviour: methodA('idle', step(sleep('nap', 1))) });
    await delay(500);
    instance.child.kill('SIGTERM');
    const [shuttingDown] = await instance.waitForLines((line) => line.message === 'shutting down');
    const shuttingDownAt = performance.now();
    await instance.waitForLines((line) => line.message === 'stopped', 1, 15_000);
    const stoppedAt = performance.now();
    const { code } = await instance.exited;
    const exitedAt = performance.now();

    assert.equal(code, 0);
    assert.ok(shuttingDown);
    const last = instance.logs[instance.logs.length - 1];
    assert.equal(last.message, 'stopped', 'nothing is logged after "stopped"');
    const lostAtShutdown = Number(last.loki_lines_dropped_at_shutdown ?? 0) + Number(last.loki_lines_dropped_push_failed ?? 0);
    assert.ok(lostAtShutdown >= 1, `the stopped line counts the lines Loki never took: ${JSON.stringify(last)}`);
    const flushMs = stoppedAt - shuttingDownAt;
    const lingerMs = exitedAt - stoppedAt;
    assert.ok(lingerMs < flushMs, `exit came ${lingerMs.toFixed(0)} ms after "stopped"; the Loki flush before it took ${flushMs.toFixed(0)} ms`);
  } finally {
    await close();
  }
});
