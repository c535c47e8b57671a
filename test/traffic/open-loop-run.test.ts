import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { openTraffic, parseTargetAddress, type LoadPlan, type LoadTarget, type RequestOutcome, type Traffic } from '../../src/traffic';
import { startInstance, type InstanceProcess } from '../support/instance-process';
import { sleep } from '../support/behaviours';

// The one scheduler's modes that `up` needs, driven through the real DrivingClient: against a small
// grpc-js server of the test's own that answers only when the test lets it, and a real instance.

/** A server for /thespian.Thespian/A that sends its headers at once but answers only on release(). */
class HoldingServer {
  private readonly held: (() => void)[] = [];
  private answered = 0;
  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
  ) {}

  static async start(): Promise<HoldingServer> {
    const server = new grpc.Server();
    const empty = Buffer.alloc(0);
    const definition: grpc.ServiceDefinition = {
      A: {
        path: '/thespian.Thespian/A',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => empty,
        requestDeserialize: () => ({}),
        responseSerialize: () => empty,
        responseDeserialize: () => ({}),
      },
    };
    let holding: HoldingServer | undefined;
    server.addService(definition, {
      A: (call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
        holding!.held.push(() => callback(null, {}));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    holding = new HoldingServer(server, `127.0.0.1:${port}`);
    return holding;
  }

  /** Calls that arrived and wait for their answer. */
  get waiting(): number {
    return this.held.length;
  }

  get received(): number {
    return this.answered + this.held.length;
  }

  release(): void {
    for (const answer of this.held.splice(0)) {
      this.answered++;
      answer();
    }
  }

  close(): void {
    this.release();
    this.server.forceShutdown();
  }
}

let server: HoldingServer;
const open: Traffic[] = [];

before(async () => {
  server = await HoldingServer.start();
});

after(() => {
  for (const traffic of open) traffic.close();
  server.close();
});

function target(rate: number): LoadTarget {
  return { address: parseTargetAddress(server.address), method: 'A', rate, label: 'holder' };
}

function traffic(plan: LoadPlan, timeoutMs = 10_000): Traffic {
  const made = openTraffic(plan, { timeoutMs });
  open.push(made);
  return made;
}

/** Resolves once `condition` holds; fails the test after 10 s (a hang, not a slow machine). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('without a duration or a count, the run sends until stop(); then sending is over and its length stays put', async () => {
  const outcomes: RequestOutcome[] = [];
  const { run, start } = traffic({ targets: [target(200)], keepRequests: false, onOutcome: (outcome) => outcomes.push(outcome) });
  let sendingDone = false;
  void run.sendingDone.then(() => (sendingDone = true));
  await start();
  await until(() => run.sent >= 20, '20 requests were sent');
  assert.equal(sendingDone, false, 'an unbounded run is not done sending on its own');
  run.stop();
  await run.sendingDone;
  const sent = run.sent;
  const sendingMs = run.sendingMs;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(run.sent, sent, 'nothing is sent after stop()');
  assert.equal(run.sendingMs, sendingMs, 'the sending time ends at stop()');
  await until(() => server.waiting === sent, 'every request sent reached the server');
  server.release();
  const result = await run.finished;
  assert.equal(result.summary.sent, sent);
  assert.equal(result.summary.interrupted, true);
  assert.equal(outcomes.length, sent, 'one outcome per request');
});

test('drain() waits for the requests in flight: false while the server holds them, true once they have answered', async () => {
  const outcomes: RequestOutcome[] = [];
  const { run, start } = traffic({ targets: [target(100)], requests: 5, keepRequests: false, onOutcome: (outcome) => outcomes.push(outcome) });
  await start();
  await run.sendingDone;
  assert.equal(run.sent, 5);
  await until(() => server.waiting === 5, 'the server holds all five');
  assert.equal(run.inFlight, 5);
  assert.equal(await run.drain(100), false, 'nothing has answered yet');
  server.release();
  assert.equal(await run.drain(10_000), true);
  assert.equal(run.inFlight, 0);
  assert.equal(outcomes.length, 5, 'every outcome was delivered before drain() resolved');
  assert.ok(outcomes.every((outcome) => outcome.status === 'OK' && outcome.target.label === 'holder' && outcome.target.method === 'A'));
});

test('a run stopped before it starts sends nothing, and is over at once', async () => {
  const before = server.received;
  const { run, start } = traffic({ targets: [target(1000)], durationS: 5, keepRequests: false });
  run.stop();
  await start();
  await run.sendingDone;
  assert.equal(await run.drain(10_000), true);
  assert.equal(run.sent, 0);
  assert.equal(run.sendingMs, 0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(server.received, before, 'the server got no request');
});

test("sending lasts the plan: a duration's whole length, or up to the end of the last request's interval", async () => {
  const byTime = traffic({ targets: [target(4)], durationS: 0.5, keepRequests: false });
  await byTime.start();
  await byTime.run.sendingDone;
  // Due at 0 and 250 ms; sending is over at 500 ms, not when the last one went.
  assert.equal(byTime.run.sent, 2);
  assert.ok(Math.abs(byTime.run.sendingMs - 500) < 1e-6, `sending lasted ${byTime.run.sendingMs} ms`);

  const byCount = traffic({ targets: [target(50)], requests: 5, keepRequests: false });
  await byCount.start();
  await byCount.run.sendingDone;
  // Due at 0, 20, ..., 80 ms: five intervals of 20 ms, so 5 requests at 50/s over at least 100 ms.
  assert.ok(byCount.run.sendingMs >= 100 - 1e-6, `sending lasted ${byCount.run.sendingMs} ms`);
  server.release();
  assert.ok(await byTime.run.drain(10_000));
  assert.ok(await byCount.run.drain(10_000));
});

test('a duration of a whole number of intervals sends that many requests, none more for rounding (100/s shared 2:1 for 0.3 s)', async () => {
  // As `up --rps 100` or `load --topology --rate 100` shares the rate: 66.67/s and 33.33/s, whose
  // intervals (15 and 30 ms) come out a hair short in floating point.
  const shares = [2, 1].map((share) => target(share * (100 / 3)));
  const { run, start } = traffic({ targets: shares, durationS: 0.3, keepRequests: false });
  await start();
  await run.sendingDone;
  assert.equal(run.sent, 30, 'due at 0, 15, ..., 285 ms and at 0, 30, ..., 270 ms');
  server.release();
  assert.ok(await run.drain(10_000));
});

test('with nothing to send, a duration still runs its length, a count ends at once, and no bound waits for stop()', async () => {
  const forTime = traffic({ targets: [], durationS: 0.2 });
  const forCount = traffic({ targets: [], requests: 10 });
  const forever = traffic({ targets: [] });
  await Promise.all([forTime.start(), forCount.start(), forever.start()]);
  await forCount.run.sendingDone;
  await forTime.run.sendingDone;
  assert.ok(Math.abs(forTime.run.sendingMs - 200) < 1e-6, `sending lasted ${forTime.run.sendingMs} ms`);
  let foreverDone = false;
  void forever.run.sendingDone.then(() => (foreverDone = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(foreverDone, false);
  forever.run.stop();
  await forever.run.sendingDone;
  for (const { run } of [forTime, forCount, forever]) assert.equal((await run.finished).summary.sent, 0);
});

test('each outcome names its target, status, trace id, latencies, and whether its own deadline passed (a real instance)', async () => {
  let instance: InstanceProcess | undefined;
  try {
    instance = await startInstance({
      behaviour: {
        grpc_method_a: { tracing_name: 'quick', operations: [{ Action: sleep('work', 1) }] },
        grpc_method_b: { tracing_name: 'failing', operations: [{ Action: sleep('break', 1, 1) }] },
        grpc_method_c: { tracing_name: 'too slow', operations: [{ Action: sleep('linger', 1_500) }] },
      },
    });
    const address = parseTargetAddress(instance.address);
    const outcomes: RequestOutcome[] = [];
    const plan: LoadPlan = {
      targets: (['A', 'B', 'C'] as const).map((method) => ({ address, method, rate: 20, label: `front ${method}` })),
      requests: 6,
      keepRequests: false,
      onOutcome: (outcome) => outcomes.push(outcome),
    };
    const { run, start } = traffic(plan, 500);
    await start();
    await run.sendingDone;
    assert.ok(await run.drain(10_000));
    assert.equal(outcomes.length, 6);
    const by = (method: string) => outcomes.filter((outcome) => outcome.target.method === method);
    for (const method of ['A', 'B', 'C']) {
      assert.equal(by(method).length, 2, `two requests to ${method}`);
      assert.ok(by(method).every((outcome) => outcome.target.label === `front ${method}`));
    }
    for (const outcome of outcomes) {
      assert.match(outcome.traceId ?? '', /^[0-9a-f]{32}$/, `${outcome.status} carries the trace id the instance answered with`);
      assert.ok(outcome.latencyMs >= outcome.serviceMs && outcome.serviceMs >= 0);
    }
    assert.deepEqual(by('A').map((outcome) => [outcome.status, outcome.pastDeadline]), [['OK', false], ['OK', false]]);
    assert.ok(by('B').every((outcome) => outcome.status === 'INTERNAL' && outcome.details.length > 0 && !outcome.pastDeadline));
    assert.ok(by('C').every((outcome) => outcome.status === 'DEADLINE_EXCEEDED' && outcome.pastDeadline), JSON.stringify(by('C')));
  } finally {
    await instance?.stop();
  }
});
