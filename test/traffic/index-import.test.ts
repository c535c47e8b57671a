import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/instance-process';

// Every command module imports traffic/ when the CLI starts. `thespian serve` must start the
// OpenTelemetry SDK before @grpc/grpc-js loads, so that its instrumentation can patch it; and
// hdr-histogram-js takes tens of ms to load, which no command that does not measure should pay.
test('importing traffic/ (or the whole command table) loads neither @grpc/grpc-js nor hdr-histogram-js', () => {
  for (const module of [join(ROOT, 'dist', 'traffic'), join(ROOT, 'dist', 'cli', 'commands')]) {
    const script = `require(${JSON.stringify(module)}); console.log(JSON.stringify(Object.keys(require.cache)))`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const loaded = (JSON.parse(child.stdout) as string[]).filter((path) => /node_modules[\\/](@grpc[\\/]grpc-js|hdr-histogram-js)[\\/]/.test(path));
    assert.deepEqual(loaded, [], `${module} loaded them`);
  }
});

test('a client made through traffic/ loads grpc-js then, and works', () => {
  const traffic = join(ROOT, 'dist', 'traffic');
  const script = `const t = require(${JSON.stringify(traffic)}); const client = t.makeDrivingClient([t.parseTargetAddress('127.0.0.1:1')], { timeoutMs: 100 }); client.close(); new t.LatencyHistogram().recordMs(1);
console.log(Object.keys(require.cache).some((path) => path.includes('grpc-js')))`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'true');
});
