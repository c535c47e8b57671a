// Which modules a real instance loads decides its idle memory, paid once per simulated service
// (issue 14). This starts one that reports them when it exits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInstance, type InstanceProcess } from './instance-process';
import { methodA, sleep, step } from './behaviours';

/** Preloaded into the instance: at exit, writes every loaded module's file to stderr as one JSON line. */
const REPORT_LOADED_MODULES = `process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify({ loaded: Object.keys(require.cache) }) + '\\n'));\n`;

/** Starts an instance (method A: one 0 ms sleep), runs `use` on it, stops it; resolves to every module file it had loaded. */
export async function modulesLoadedAfter(use: (instance: InstanceProcess) => Promise<void> = async () => {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-footprint-'));
  try {
    const preload = join(dir, 'report-loaded-modules.js');
    writeFileSync(preload, REPORT_LOADED_MODULES);
    const instance = await startInstance({ behaviour: methodA('work', step(sleep('nap', 0))), env: { NODE_OPTIONS: `--require ${preload}` } });
    await use(instance);
    const exit = await instance.stop();
    assert.equal(exit.code, 0, `exit code; stderr:\n${instance.stderr()}`);
    const loaded = (JSON.parse(instance.stderr().trim().split('\n').at(-1)!) as { loaded: string[] }).loaded;
    assert.ok(loaded.some((file) => file.includes('@grpc/grpc-js')), `the report lists the modules (${loaded.length} files)`);
    return loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
