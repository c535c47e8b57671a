import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { sleep } from '../support/behaviours';

const TRACE_ID = /\b[0-9a-f]{32}\b/;
let instance: InstanceProcess;

before(async () => {
  instance = await startInstance({
    behaviour: {
      grpc_method_a: { tracing_name: 'fine', operations: [{ Action: sleep('nap', 0) }] },
      grpc_method_b: { tracing_name: 'doomed', operations: [{ Action: sleep('fall over', 0, 1) }] },
      grpc_method_c: null,
    },
  });
});

after(async () => {
  await instance.stop();
});

const poke = (...args: string[]) => runToExit({}, ['poke', ...args]);

test('poke prints status, latency and a distinct trace id for each call, and exits 0 when all are OK', async () => {
  const result = await poke(instance.address, 'A', '-n', '3');
  assert.equal(result.code, 0, result.stderr);
  const calls = result.stdout.split('\n').filter((line) => line.includes(' trace '));
  assert.equal(calls.length, 3, result.stdout);
  const traceIds = calls.map((line) => {
    assert.match(line, /\bA\s+OK\s+\d+\.\d+ ms\s+trace [0-9a-f]{32}$/);
    return TRACE_ID.exec(line)![0];
  });
  assert.equal(new Set(traceIds).size, 3, 'each call is its own trace');
  assert.match(result.stdout, /3 calls to 127\.0\.0\.1:\d+: 3 OK/);
});

test('a failed call shows its status name, trace id and message, and poke exits 1', async () => {
  const result = await poke(instance.address, 'b');
  assert.equal(result.code, 1);
  assert.match(result.stdout, /B\s+INTERNAL\s+\d+\.\d+ ms\s+trace [0-9a-f]{32}\s+.*fall over: injected failure/);
});

test('--timeout takes a duration as load and up do (500ms, 2s)', async () => {
  for (const timeout of ['500ms', '2s']) {
    const result = await poke(instance.address, 'A', '--timeout', timeout);
    assert.equal(result.code, 0, `--timeout ${timeout}: ${result.stderr}`);
  }
});

test('a bare port and an http:// address reach the same instance', async () => {
  for (const address of [String(instance.port), `http://127.0.0.1:${instance.port}`]) {
    const result = await poke(address);
    assert.equal(result.code, 0, `${address}: ${result.stderr}`);
    assert.match(result.stdout, /A\s+OK\s.*trace [0-9a-f]{32}/);
  }
});

test('an unreachable target gets one clear sentence, not a stack trace, and exit 1', async () => {
  const port = await freePort();
  const result = await poke(`127.0.0.1:${port}`);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^thespian poke: cannot reach 127\\.0\\.0\\.1:${port} \\(UNAVAILABLE: .*ECONNREFUSED.*\\)\\. Is a Thespian listening there\\?\\n$`));
});

test('bad arguments exit 2 with the problem and a pointer to --help, never a stack', async () => {
  const cases: [string[], RegExp][] = [
    [[], /which instance\?/],
    [['127.0.0.1:notaport'], /port must be a number/],
    [['localhost:70000'], /port must be a number from 1 to 65535/],
    [['ftp://127.0.0.1:1'], /only http:\/\/ or https:\/\//],
    [['7000', 'D'], /method must be A, B or C, not "D"/],
    [['7000', '-n', '0'], /-n must be a whole number ≥ 1/],
    [['7000', '--bogus'], /^thespian poke: unknown option --bogus$/m],
    [['7000', '--cout', '2'], /unknown option --cout \(did you mean --count\?\)/],
    [['7000', 'A', 'extra'], /unexpected argument "extra"/],
    [['7000', '--timeout', 'soon'], /--timeout must be a time > 0 such as 10, 10s or 500ms \(got "soon"\)/],
  ];
  for (const [args, message] of cases) {
    const result = await poke(...args);
    assert.equal(result.code, 2, `poke ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /^see `thespian poke --help`$/m, 'a pointer to the usage, not the whole of it');
    assert.doesNotMatch(result.stderr, /Usage:/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
});
