// `thespian health [host:port]`: what Docker's HEALTHCHECK, compose and ECS run inside the
// container. Real instances, real gRPC health checks, the built CLI.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod, closeClients, runToExit, startInstance } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { methodA, sleep, step } from '../support/behaviours';
import { setTimeout as delay } from 'node:timers/promises';

after(() => closeClients());

const health = (...args: string[]) => runToExit({}, ['health', ...args], 20_000);

test('a live instance is SERVING: exit 0, for the whole server and for thespian.Thespian', async () => {
  const instance = await startInstance({ behaviour: methodA('work', step(sleep('nap', 1))) });
  try {
    const byAddress = await health(instance.address);
    assert.equal(byAddress.code, 0, byAddress.stderr);
    assert.match(byAddress.stdout, /SERVING/);
    // A bare port means this machine.
    const byPort = await health(String(instance.port), '--service', 'thespian.Thespian', '--timeout', '3s');
    assert.equal(byPort.code, 0, byPort.stderr);
    // A service the health service does not know is not healthy, and says why.
    const unknown = await health(instance.address, '--service', 'no.such.Service');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /knows no service "no\.such\.Service"/);
  } finally {
    await instance.stop();
  }
});

test('a dead port: exit 1 with one line that says it cannot reach it', async () => {
  const port = await freePort();
  const started = Date.now();
  const result = await health(`127.0.0.1:${port}`, '--timeout', '5s');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot reach/);
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  // A refused connection fails at once rather than waiting out the deadline (generous bound).
  assert.ok(Date.now() - started < 4_500, 'a refused connection does not wait for the timeout');
});

test('a draining instance is not healthy while its last call finishes', async () => {
  const instance = await startInstance({ behaviour: methodA('slow', step(sleep('long work', 3_000))) });
  const before = await health(instance.address);
  assert.equal(before.code, 0, before.stderr);

  const inFlight = callMethod(instance.address, 'A');
  // Let the call reach the instance before the signal (it then takes 3 s to finish).
  await delay(400);
  instance.child.kill('SIGTERM');
  await waitFor(() => instance.logs.some((line) => line.message === 'shutting down'), 5_000);

  const during = await health(instance.address);
  assert.equal(instance.child.exitCode, null, 'the instance is still draining when probed');
  // NOT_SERVING over a connection, or a refused connection: the server takes no new ones now.
  assert.equal(during.code, 1, `stdout: ${during.stdout}`);
  assert.match(during.stderr, /NOT_SERVING|cannot reach/);

  const call = await inFlight;
  assert.equal(call.code, 0, `the call in flight still completes: ${call.details}`);
  const { code } = await instance.exited;
  assert.equal(code, 0);
});

test('bad arguments exit 2 with a pointer to --help', async () => {
  for (const args of [['--timeout', 'soon'], ['a:1', 'b:2'], ['host:notaport'], ['--bogus']]) {
    const result = await health(...args);
    assert.equal(result.code, 2, `thespian health ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^see `thespian health --help`$/m);
    assert.doesNotMatch(result.stderr, /Usage:/);
  }
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await delay(20);
  }
}
