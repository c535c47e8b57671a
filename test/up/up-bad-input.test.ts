import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runUp, tempDir, writeEntryPoints, writeJson } from './up-helpers';

test('a bad topology is reported line by line with JSON paths, exit 2, no stack trace, nothing started', async () => {
  const dir = tempDir();
  try {
    const path = writeJson(dir, 'bad.json', {
      services: {
        gateway: { behaviour: { grpc_method_a: { tracing_name: 'x', operations: [{ Action: { CallService: { service: 'paymnts', grpc_method: 'B' } } }] } } },
        payments: { behaviour: { grpc_method_b: null }, replicas: -1 },
      },
      entry_points: [{ service: 'gateway', method: 'A', rps: 1 }],
    });
    const run = await runUp([path]);
    assert.equal(run.code, 2);
    const lines = run.stderr.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `${path}: services.payments.replicas: must be ≥ 1 (got number -1)`,
      `${path}: services.gateway.behaviour.grpc_method_a.operations[0].Action.CallService.service: unknown service "paymnts" (did you mean "payments"?); services are: gateway, payments`,
    ]);
    assert.equal(run.stdout, '', 'nothing was started or printed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing topology file, bad options and extra arguments exit 2 with a clear message', async () => {
  // A folder that surely does not exist (a fixed one like /nonexistent can be made by anyone with root).
  const dir = tempDir();
  const nowhere = join(dir, 'absent');
  const missing = await runUp([join(nowhere, 'topology.jsonc')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `${join(nowhere, 'topology.jsonc')}: cannot read the topology: no such file\n`);

  const badOptions = await runUp(['--duration', 'soon', '--rps', '0', '--otlp', 'ftp://x']);
  assert.equal(badOptions.code, 2);
  assert.match(badOptions.stderr, /--duration must be a positive number of seconds, like 30, 30s or 2m \(got "soon"\)/);
  assert.match(badOptions.stderr, /--rps must be a number > 0/);
  assert.match(badOptions.stderr, /--otlp must be an http:\/\/ address/);
  assert.match(badOptions.stderr, /^see `thespian up --help`$/m);
  assert.doesNotMatch(badOptions.stderr, /Usage:/, 'a pointer to the usage, not the whole of it');

  // A blank value is not 0: `--query-port=` once turned the query API off without a word.
  const blank = await runUp(['--query-port=', '--trees=', '--requests=', '--rps=']);
  assert.equal(blank.code, 2);
  for (const option of ['--query-port', '--trees', '--requests', '--rps']) assert.match(blank.stderr, new RegExp(`^(thespian up: )?${option} must be .*\\(got ""\\)$`, 'm'));

  const unwritable = await runUp(['--json', join(nowhere, 'spans.jsonl')]);
  assert.equal(unwritable.code, 2);
  assert.ok(unwritable.stderr.startsWith(`--json ${join(nowhere, 'spans.jsonl')}: cannot write the file: ENOENT`), unwritable.stderr);

  const behaviourName = await runUp(['standalone']);
  assert.equal(behaviourName.code, 2);
  assert.match(behaviourName.stderr, /^thespian up: standalone is a bundled behaviour \(one instance\), not a topology: `thespian serve standalone` runs it \(bundled topologies: .*ecosystem.*\)$/m);

  // A bundled behaviour kept as .jsonc gets the same line (it was read as a topology: a different message).
  const jsoncBehaviour = await runUp(['slow_sometimes']);
  assert.equal(jsoncBehaviour.code, 2);
  assert.match(jsoncBehaviour.stderr, /^thespian up: slow_sometimes is a bundled behaviour \(one instance\), not a topology: `thespian serve slow_sometimes` runs it/m);

  const unknown = await runUp(['--bogus']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'thespian up: unknown option --bogus\nsee `thespian up --help`\n');
  assert.doesNotMatch(missing.stderr + badOptions.stderr + behaviourName.stderr + unknown.stderr, /\n\s+at /, 'no stack trace');

  rmSync(dir, { recursive: true, force: true });
});

test('a port already taken is named with its service before anything starts', async () => {
  const dir = tempDir();
  const blocker: Server = createServer();
  try {
    const port = await new Promise<number>((resolve) => blocker.listen(0, '0.0.0.0', () => resolve((blocker.address() as { port: number }).port)));
    const path = writeJson(dir, 'busy.json', { services: { solo: { port, behaviour: {} } } });
    const run = await runUp([path]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`port ${port} of service solo is already in use`));
    assert.match(run.stderr, /another `thespian up` still running/);
  } finally {
    blocker.close();
    rmSync(join(dir), { recursive: true, force: true });
  }
});

test('an --rps so small that an entry point\'s share rounds to 0 still runs: each entry point sends its first request, exit 0, no stack trace', async () => {
  const dir = tempDir();
  try {
    const path = await writeEntryPoints(dir, 'tiny-share.json', [4, 1]);
    const run = await runUp([path, '--rps', '1e-323', '--duration', '1', '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /unexpected error|\n\s+at /);
    assert.match(run.stdout, /requests {2}2 sent/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
