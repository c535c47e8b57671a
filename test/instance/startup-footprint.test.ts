// What an instance loads at start decides its idle memory, paid once per simulated service
// (issue 14). This test looks at the modules a real instance has loaded when it stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

/** Preloaded into the instance: at exit, writes every loaded module's file to stderr as one JSON line. */
const REPORT_LOADED_MODULES = `process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify({ loaded: Object.keys(require.cache) }) + '\\n'));\n`;

test('an instance does not load the incubating semantic conventions (about 7 MB of RSS for a few metric names)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-footprint-'));
  try {
    const preload = join(dir, 'report-loaded-modules.js');
    writeFileSync(preload, REPORT_LOADED_MODULES);
    const instance = await startInstance({ behaviour: methodA('work', step(sleep('nap', 0))), env: { NODE_OPTIONS: `--require ${preload}` } });
    const exit = await instance.stop();
    assert.equal(exit.code, 0, `exit code; stderr:\n${instance.stderr()}`);
    const report = instance.stderr().trim().split('\n').at(-1)!;
    const loaded = (JSON.parse(report) as { loaded: string[] }).loaded;
    assert.ok(loaded.some((file) => file.includes('@grpc/grpc-js')), `the report lists the modules (${loaded.length} files)`);
    const incubating = loaded.filter((file) => /semantic-conventions\/dist\/(index-incubating|experimental_)/.test(file));
    assert.deepEqual(incubating, [], 'modules of @opentelemetry/semantic-conventions/incubating loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
