import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { runToExit } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

test('a port already in use gives our one clear line and nothing from grpc-js', async () => {
  const holder = createServer();
  holder.listen(0, '0.0.0.0');
  await once(holder, 'listening');
  const { port } = holder.address() as { port: number };
  try {
    const run = await runToExit({ PORT: String(port), CONFIG_JSON: JSON.stringify(methodA('work', step(sleep('nap', 1)))) });
    assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
    assert.equal(run.stderr, '', 'nothing on stderr (grpc-js wrote "E No address added out of total 1 resolved" there)');
    const lines = run.stdout.trim().split('\n').map((text) => JSON.parse(text) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [line.level, line.message]),
      [['error', `cannot listen on port ${port}: listen EADDRINUSE: address already in use :::${port} (another process has it; set PORT to a free one)`]],
    );
  } finally {
    holder.close();
  }
});
