/**
 * A process of packed services that dies takes all its services with it: `thespian up` must say
 * which services went, point at the log, stop the run in order and exit 1, as it does for a
 * service of its own process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, readyPids, startUp, survivors, tempDir, writeJson } from '../up/up-helpers';

test('killing one process of packed services is noticed: up names its services, stops the rest and exits 1', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const ports = await freePorts(4);
  const leaf = (name: string) => ({ grpc_method_a: { tracing_name: name, operations: [{ Action: { Sleep: { tracing_name: 'work', duration_ms: 2 } } }] } });
  const topology = writeJson(dir, 'four.json', {
    services: {
      front: { port: ports[0], behaviour: { grpc_method_a: { tracing_name: 'front', operations: [{ Action: { CallService: { service: 'left', grpc_method: 'A' } } }, { Action: { CallService: { service: 'right', grpc_method: 'A' } } }] } } },
      middle: { port: ports[1], behaviour: leaf('middle') },
      left: { port: ports[2], behaviour: leaf('left') },
      right: { port: ports[3], behaviour: leaf('right') },
    },
    entry_points: [{ service: 'front', method: 'A', rps: 10 }],
  });
  const logs = join(dir, 'logs');
  const summaryFile = join(dir, 'summary.json');
  const up = startUp([topology, '--services-per-process', '2', '--quiet', '--logs', logs, '--summary-json', summaryFile, '--duration', '60']);
  const ready = await up.waitForOutput(/^ready: .*$/m);
  assert.match(ready[0], /4 services in 2 processes/);
  const pids = readyPids(up.stdout());
  assert.equal(pids.length, 2, `two processes: ${ready[0]}`);

  // The second process holds left and right (topology order, two to a process).
  process.kill(pids[1], 'SIGKILL');
  const { code } = await up.exited;
  const stdout = up.stdout();
  assert.equal(code, 1, `exit 1 after a crash; stdout:\n${stdout}\nstderr:\n${up.stderr()}`);
  assert.match(stdout, /the process of services left and right exited unexpectedly \(killed by SIGKILL\); its log: .*pack-2\.log/);
  assert.ok(existsSync(join(logs, 'pack-2.log')), 'the log it points at exists');
  assert.deepEqual(await survivors(pids, 10_000), [], 'the other process was stopped too');

  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { stoppedBy: string; processes: { services: string[]; exit: string }[] };
  assert.match(summary.stoppedBy, /left and right exited unexpectedly/);
  assert.deepEqual(summary.processes.map((child) => child.services), [['front', 'middle'], ['left', 'right']]);
  assert.equal(summary.processes[0].exit, 'exit code 0', 'the survivor drained and stopped cleanly');
  assert.match(summary.processes[1].exit, /SIGKILL/);
});
