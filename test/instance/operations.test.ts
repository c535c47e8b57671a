import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, ROOT, startInstance, type InstanceProcess } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { callService, methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';
import { setTimeout as delay } from 'node:timers/promises';

let instance: InstanceProcess;
before(async () => {
  instance = await startInstance({ behaviour: methodA('work', step(sleep('nap', 1))) });
});
after(async () => {
  closeClients();
  await instance.stop();
});

/** grpc → reflection → version → service, as loadPackageDefinition nests a package name's parts. */
type Loaded = Record<string, Record<string, Record<string, Record<string, grpc.ServiceClientConstructor>>>>;

test('the health service says SERVING', async () => {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const client = new loaded.grpc.health.v1.Health(instance.address, grpc.credentials.createInsecure());
  for (const service of ['', 'thespian.Thespian']) {
    const answer = await new Promise<{ status: string }>((resolve, reject) =>
      (client as unknown as Record<string, Function>).Check({ service }, (error: Error | null, reply: { status: string }) => (error ? reject(error) : resolve(reply))),
    );
    assert.equal(answer.status, 'SERVING', `health of "${service}"`);
  }
  client.close();
});

test('a health check is answered between the requests of a burst, not after all of them', async () => {
  const busy = await startInstance({
    behaviour: { grpc_method_a: { tracing_name: 'work', operations: [{ Action: { Compute: { tracing_name: 'crunch', duration_ms: 3 } } }] } },
  });
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const health = new loaded.grpc.health.v1.Health(busy.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const check = () => new Promise<string>((resolve, reject) => health.Check({ service: '' }, (error: Error | null, reply: { status: string }) => (error ? reject(error) : resolve(reply.status))));
  assert.equal(await check(), 'SERVING'); // connected before the burst
  await callMethod(busy.address, 'A');

  // 300 requests of 3 ms CPU each: about a second of work arrives at once.
  let answered = 0;
  const burst = Array.from({ length: 300 }, () => callMethod(busy.address, 'A').then((result) => (answered++, result)));
  await delay(20);
  const status = await check();
  const answeredBeforeHealth = answered;
  const results = await Promise.all(burst);
  health.close();
  await busy.stop();
  assert.equal(status, 'SERVING');
  assert.deepEqual([...new Set(results.map((result) => result.code))], [0]);
  // Each request's work takes a turn of its own, so the probe gets in between; had the burst been
  // worked through in one go, the probe would have waited for nearly all of it.
  assert.ok(answeredBeforeHealth < 150, `${answeredBeforeHealth} of 300 requests were answered before the health check`);
});

for (const version of ['v1', 'v1alpha']) {
  test(`server reflection ${version} lists thespian.Thespian and describes it`, async () => {
    const proto = join(ROOT, 'node_modules/@grpc/reflection/build/proto/grpc/reflection', version, 'reflection.proto');
    const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(proto, { keepCase: true })) as unknown as Loaded;
    const Reflection = loaded.grpc.reflection[version].ServerReflection;
    const client = new Reflection(instance.address, grpc.credentials.createInsecure());
    const stream = (client as unknown as Record<string, () => grpc.ClientDuplexStream<object, Record<string, any>>>).ServerReflectionInfo();
    const answers: Record<string, any>[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (answer) => {
        answers.push(answer);
        if (answers.length === 2) stream.end();
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write({ list_services: '' });
    stream.write({ file_containing_symbol: 'thespian.Thespian' });
    await done;
    client.close();
    const services = answers[0].list_services_response.service.map((s: { name: string }) => s.name);
    assert.ok(services.includes('thespian.Thespian'), `services: ${services}`);
    assert.ok(services.includes('grpc.health.v1.Health'));
    const files = answers[1].file_descriptor_response.file_descriptor_proto as Buffer[];
    assert.ok(files.some((file) => file.toString('latin1').includes('Nothing')), 'the descriptor of thespian.proto comes back');
  });
}

test('a call cycle is cut by the hop limit with a clear error instead of a fork bomb', async () => {
  const port = await freePort();
  const loop = await startInstance({ env: { PORT: String(port), THESPIAN_MAX_HOPS: '5' }, behaviour: methodA('again', step(callService('call myself', port))) });
  const result = await callMethod(loop.address, 'A', { deadlineMs: 10_000 });
  assert.equal(result.code, 13);
  assert.match(result.details, /FAILED_PRECONDITION: refused: this request has passed through 6 Thespians \(limit 5, THESPIAN_MAX_HOPS\); the behaviours probably call each other in a cycle/);
  const errorLines = await loop.waitForLines((l) => l.level === 'error', 6);
  assert.equal(errorLines.length, 6, 'each hop that failed logs once');
  await loop.stop();
});

test('a caller that resets the call just before its deadline is recorded as the deadline passing; one that resets well before, as a cancel', async () => {
  const receiver = await OtlpTraceReceiver.start();
  const slow = await startInstance({ env: exportTo(receiver), behaviour: methodA('slow', step(sleep('long nap', 5_000))) });
  try {
    // A caller's deadline and the reset it sends then can reach the server before the server's
    // own reckoning of that deadline, which starts when it reads the request.
    const nearDeadline = await callMethod(slow.address, 'A', { deadlineMs: 1_000, cancelAfterMs: 985 });
    const early = await callMethod(slow.address, 'A', { deadlineMs: 1_000, cancelAfterMs: 300 });
    const spans = await receiver.waitFor((all) => all.filter((s) => s.name === 'long nap').length === 2, 10_000);
    const napOf = (traceId: string | undefined) => spans.find((s) => s.name === 'long nap' && s.traceId === traceId)!;
    assert.match(napOf(nearDeadline.traceId).status.message, /deadline passed/);
    assert.match(napOf(early.traceId).status.message, /the caller cancelled/);
  } finally {
    await slow.stop();
    await receiver.close();
  }
});

test("a caller's deadline is respected: the answer is DEADLINE_EXCEEDED and the work stops", async () => {
  const receiver = await OtlpTraceReceiver.start();
  const slow = await startInstance({ env: exportTo(receiver), behaviour: methodA('slow', step(sleep('long nap', 5_000)), step(sleep('after', 1))) });
  try {
    const result = await callMethod(slow.address, 'A', { deadlineMs: 300 });
    assert.equal(result.code, grpc.status.DEADLINE_EXCEEDED, result.details);
    assert.ok(result.durationMs < 3_000, `answered near the deadline, not after the sleep (${result.durationMs.toFixed(0)} ms)`);
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'long nap'), 5_000);
    const nap = spans.find((s) => s.name === 'long nap')!;
    assert.equal(nap.status.code, 'ERROR');
    assert.match(nap.status.message, /deadline passed/);
    assert.ok(nap.durationMs < 3_000, `the sleep was cut short (${nap.durationMs.toFixed(0)} ms)`);
    await delay(300);
    assert.ok(!receiver.spans().some((s) => s.name === 'after'), 'nothing runs after the deadline');
  } finally {
    await slow.stop();
    await receiver.close();
  }
});
