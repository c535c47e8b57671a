import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { methodA, sleep, step } from '../support/behaviours';

// A topology of two services, each started here on the port the topology gives it, as
// `thespian up` would; load finds them by the same ports.
let dir: string;
let topologyPath: string;
const instances: InstanceProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'thespian-load-topology-'));
  const [shopPort, searchPort] = [await freePort(), await freePort()];
  const shop = { behaviour: methodA('buy', step(sleep('pay', 0))), port: shopPort };
  const search = { behaviour: { grpc_method_a: null, grpc_method_b: null, grpc_method_c: { tracing_name: 'find', operations: [{ Action: sleep('look', 0) }] } }, port: searchPort };
  topologyPath = join(dir, 'two.jsonc');
  writeFileSync(
    topologyPath,
    `// two services\n${JSON.stringify({ services: { shop, search }, entry_points: [{ service: 'shop', method: 'A', rps: 40 }, { service: 'search', method: 'C', rps: 20 }] }, null, 2)}`,
  );
  for (const [name, service] of [['shop', shop], ['search', search]] as const) {
    instances.push(await startInstance({ behaviour: service.behaviour, env: { PORT: String(service.port), SERVICE_NAME: name } }));
  }
});

after(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('--topology sends to each entry point at its own rps, on its service port, with its method', async () => {
  const jsonPath = join(dir, 'result.json');
  const result = await runToExit({}, ['load', '--topology', topologyPath, '--requests', '60', '--json', jsonPath], 30_000);
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    targets: { label: string; address: string; method: string; rate: number; sent: number; counts: Record<string, number> }[];
    counts: Record<string, number>;
  };
  assert.deepEqual(
    json.targets.map(({ label, address, method, rate }) => ({ label, address, method, rate })),
    [
      { label: 'shop', address: instances[0]!.address, method: 'A', rate: 40 },
      { label: 'search', address: instances[1]!.address, method: 'C', rate: 20 },
    ],
  );
  // 60 requests at 60/s in all: 40 to shop and 20 to search, all answered OK.
  assert.deepEqual(json.targets.map((target) => target.sent), [40, 20]);
  assert.deepEqual(json.counts, { OK: 60 });
  assert.match(result.stdout, /shop \(127\.0\.0\.1:\d+\)\s+A\s+40\s/);
  assert.match(result.stdout, /search \(127\.0\.0\.1:\d+\)\s+C\s+20\s/);
});

test('--rate with --topology sets the total, shared in proportion to the entry points\' rps', async () => {
  const jsonPath = join(dir, 'scaled.json');
  const result = await runToExit({}, ['load', '--topology', topologyPath, '--rate', '30', '--requests', '15', '--quiet', '--json', jsonPath], 30_000);
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { targets: { rate: number; sent: number }[] };
  assert.deepEqual(json.targets.map((target) => target.rate), [20, 10]);
  assert.deepEqual(json.targets.map((target) => target.sent), [10, 5]);
});

test('a topology that cannot be used is a clear error with exit 2', async () => {
  const missing = await runToExit({}, ['load', '--topology', join(dir, 'nope.jsonc')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.jsonc: cannot read the topology: no such file/);

  const noEntries = join(dir, 'quiet.json');
  writeFileSync(noEntries, JSON.stringify({ services: { lonely: { behaviour: methodA('x', step(sleep('y', 0))) } } }));
  const empty = await runToExit({}, ['load', '--topology', noEntries]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /has no entry_points to send to; use --target HOST:PORT instead/);

  const both = await runToExit({}, ['load', '--topology', topologyPath, '--method', 'B']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--method applies to --target only/);
  for (const run of [missing, empty, both]) assert.doesNotMatch(run.stderr, /\n\s+at /);
});
