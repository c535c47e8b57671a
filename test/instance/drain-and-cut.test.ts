import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { loadProtocol } from '../../src/server/protocol';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { checkHealth } from '../support/health-check';
import { methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

const UNAVAILABLE = 14;
after(() => closeClients());

/** Calls A over a connection of its own, as a new client arriving during the drain would. */
async function callOnNewConnection(address: string): Promise<{ code: number; details: string }> {
  const { ThespianClient } = loadProtocol();
  const client = new ThespianClient(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  try {
    return await new Promise((resolve) =>
      client.A({}, (error: grpc.ServiceError | null) => resolve({ code: error ? error.code : 0, details: error?.details ?? '' })),
    );
  } finally {
    client.close();
  }
}

test('while draining, health answers NOT_SERVING, a new call is refused with UNAVAILABLE, calls in flight finish OK, and it stops once they are done', async () => {
  const instance = await startInstance({
    env: { THESPIAN_SHUTDOWN_GRACE_MS: '30000' },
    behaviour: methodA('work', step(sleep('nap', 2_000))),
  });
  assert.equal(await checkHealth(instance.address), 'SERVING');
  const inFlight = Array.from({ length: 3 }, () => callMethod(instance.address, 'A'));
  await instance.waitForLines((line) => line.message === 'Sleep "nap" started', 3);
  const signalledAt = Date.now();
  instance.child.kill('SIGTERM');
  await instance.waitForLines((line) => line.message === 'shutting down');

  assert.equal(await checkHealth(instance.address), 'NOT_SERVING', 'health over a new connection during the drain');
  assert.equal(await checkHealth(instance.address, 'thespian.Thespian'), 'NOT_SERVING');
  const refused = await callOnNewConnection(instance.address);
  assert.equal(refused.code, UNAVAILABLE, `a new call is refused: ${refused.details}`);
  assert.match(refused.details, /shutting down/);

  const results = await Promise.all(inFlight);
  assert.deepEqual(results.map((result) => result.code), [0, 0, 0], 'the calls in flight finish OK');
  const { code } = await instance.exited;
  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);
  // Generous, far below the 30 s grace: the instance stops once its calls are done, not at the grace's end.
  assert.ok(Date.now() - signalledAt < 20_000, 'stopped once the calls in flight were done');
});

test('calls still in flight at the end of the grace are cut with UNAVAILABLE, and all their spans are exported with that status', async () => {
  const receiver = await OtlpTraceReceiver.start();
  const instance = await startInstance({
    // A long batch delay: the cut spans must be flushed by the shutdown itself.
    env: { ...exportTo(receiver), OTEL_BSP_SCHEDULE_DELAY: '60000', THESPIAN_SHUTDOWN_GRACE_MS: '300' },
    behaviour: methodA('work', step(sleep('long nap', 60_000))),
  });
  const calls = Array.from({ length: 20 }, () => callMethod(instance.address, 'A'));
  await instance.waitForLines((line) => line.message === 'Sleep "long nap" started', 20);
  const { code } = await instance.stop('SIGTERM');
  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);

  const results = await Promise.all(calls);
  const message = /the instance is shutting down: the call was cut at the end of the 300 ms grace/;
  for (const result of results) {
    assert.equal(result.code, UNAVAILABLE, `answer: ${result.details}`);
    assert.match(result.details, message);
  }
  const spans = receiver.spans();
  for (const result of results) {
    const mine = spans.filter((span) => span.traceId === result.traceId);
    assert.deepEqual(mine.map((span) => span.name).sort(), ['grpc.thespian.Thespian/A', 'long nap', 'work'], `all spans of trace ${result.traceId}`);
    for (const span of mine) {
      assert.equal(span.status.code, 'ERROR', `${span.name} has ERROR status`);
      assert.match(span.status.message, message, `${span.name}'s status says it was cut`);
    }
    const origin = mine.find((span) => span.name === 'long nap')!;
    assert.equal(origin.events.filter((event) => event.name === 'exception').length, 1, 'the cut is recorded where it happened');
  }
  const errors = instance.logs.filter((line) => line.level === 'error');
  assert.equal(errors.length, 20, 'each cut call is logged once');
  for (const line of errors) assert.match(String(line.message), message);
  await receiver.close();
});
