// The admin API (thespian.Admin) of a real instance, over real gRPC, with spans read back by the
// real OTLP receiver: refused without the token, absent without THESPIAN_ADMIN_TOKEN, incidents
// that change calls while they last, end by themselves, and garbage that is answered, not fatal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OtlpTraceReceiver } from '../../src/collector';
import { AdminClient } from '../../src/chaos';
import { callMethod, closeClients, runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';
import { OtlpMetricsReceiver } from '../support/otlp-metrics-receiver';
import { freePorts } from '../../src/ensemble/free-ports';
import { tempDir } from '../up/up-helpers';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TOKEN = 'test-token-0123456789-abcdef';
const REFUSAL = 'the admin API needs authorization: Bearer <token>';
const BEHAVIOUR = methodA('checkout', step(sleep('charge card', 1)), step(sleep('send mail', 1)));

let receiver: OtlpTraceReceiver;
const instances: InstanceProcess[] = [];
const clients: AdminClient[] = [];

before(async () => {
  receiver = await OtlpTraceReceiver.start();
});

after(async () => {
  closeClients();
  for (const client of clients) client.close();
  await Promise.all(instances.map((instance) => instance.stop()));
  await receiver.close();
});

async function start(env: Record<string, string>): Promise<InstanceProcess> {
  const instance = await startInstance({ env: { ...exportTo(receiver), SERVICE_NAME: 'shop', ...env }, behaviour: BEHAVIOUR });
  instances.push(instance);
  return instance;
}

function admin(instance: InstanceProcess, token = TOKEN): AdminClient {
  const client = new AdminClient(instance.address, token);
  clients.push(client);
  return client;
}

/** Sends raw bytes as the request of an admin method, with the given metadata; resolves to the status. */
function rawCall(address: string, method: string, bytes: Buffer, authorization?: string): Promise<grpc.StatusObject> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  return new Promise((resolve) => {
    const call = client.makeUnaryRequest(`/thespian.Admin/${method}`, (message: Buffer) => message, (reply: Buffer) => reply, bytes, metadata, { deadline: Date.now() + 10_000 }, () => {});
    call.on('status', (status: grpc.StatusObject) => {
      client.close();
      resolve(status);
    });
  });
}

/** Lists the services reflection v1 offers, by the names in its raw answer. */
function reflectedServices(address: string): Promise<string> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', (m: Buffer) => m, (b: Buffer) => b, new grpc.Metadata(), { deadline: Date.now() + 10_000 });
  let text = '';
  return new Promise((resolve) => {
    stream.on('data', (answer: Buffer) => (text += answer.toString('latin1')));
    stream.on('error', () => {});
    stream.on('status', () => {
      client.close();
      resolve(text);
    });
    stream.write(Buffer.from([0x3a, 0x00])); // list_services = ""
    stream.end();
  });
}

test('without THESPIAN_ADMIN_TOKEN the admin API answers every call as a wrong token is answered, and reflection does not show it', async () => {
  const off = await start({});
  const on = await start({ THESPIAN_ADMIN_TOKEN: TOKEN });
  const whenOff = await admin(off).inject({ failure_chance: 1, duration_ms: 1000 });
  const wrongToken = await admin(on, 'not-the-token-but-long-enough').inject({ failure_chance: 1, duration_ms: 1000 });
  assert.deepEqual(whenOff, { ok: false, code: grpc.status.UNAUTHENTICATED, details: REFUSAL });
  assert.deepEqual(wrongToken, whenOff, 'an instance with the API off and one with a wrong token answer alike');
  assert.deepEqual(await admin(off).list(), whenOff);
  assert.equal((await callMethod(off.address, 'A')).code, grpc.status.OK);
  assert.doesNotMatch(await reflectedServices(off.address), /thespian\.Admin/);
  assert.match(await reflectedServices(on.address), /thespian\.Admin/);
  assert.equal(off.logs.find((line) => line.message?.toString().startsWith('listening'))?.admin_api, 'off');
});

test('a missing, malformed or wrong authorization is refused with the one message', async () => {
  const instance = await start({ THESPIAN_ADMIN_TOKEN: TOKEN });
  const empty = Buffer.alloc(0);
  for (const authorization of [undefined, TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `bearer ${TOKEN}`]) {
    const status = await rawCall(instance.address, 'List', empty, authorization);
    assert.equal(status.code, grpc.status.UNAUTHENTICATED, `authorization ${authorization}`);
    assert.equal(status.details, REFUSAL);
  }
  assert.equal((await rawCall(instance.address, 'List', empty, `Bearer ${TOKEN}`)).code, grpc.status.OK);
});

test('an injected incident fails the calls it covers with its code and marks their spans; cleared, the baseline returns', async () => {
  const instance = await start({ THESPIAN_ADMIN_TOKEN: TOKEN });
  const client = admin(instance);
  const injected = await client.inject({ name: 'card network down', step: 'charge card', failure_chance: 1, failure_code: 'UNAVAILABLE', duration_ms: 600_000 });
  assert.ok(injected.ok, JSON.stringify(injected));
  const { id } = injected.reply;

  const failed = await callMethod(instance.address, 'A');
  assert.equal(failed.code, grpc.status.UNAVAILABLE);
  assert.match(failed.details, /shop\/A › checkout › charge card: injected failure by incident "card network down"/);
  const spans = await receiver.waitFor((all) => all.some((span) => span.traceId === failed.traceId && span.name === 'charge card'), 10_000);
  const charge = spans.find((span) => span.traceId === failed.traceId && span.name === 'charge card')!;
  assert.equal(charge.attributes['thespian.incident'], 'card network down');
  assert.equal(charge.attributes['thespian.injected'], true);

  const listed = await client.list();
  assert.ok(listed.ok);
  assert.equal(listed.reply.incidents?.length, 1);
  assert.equal(listed.reply.incidents?.[0].id, id);
  assert.equal(listed.reply.incidents?.[0].step, 'charge card');
  assert.ok((listed.reply.incidents?.[0].left_ms ?? 0) > 0);

  assert.deepEqual(await client.clear({ id }), { ok: true, reply: { cleared: 1 } });
  for (let i = 0; i < 5; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK, 'failure_chance 0 again once cleared');
  const lines = await instance.waitForLines((line) => line.incident_id === id, 2);
  assert.deepEqual(lines.map((line) => line.message), ['incident "card network down" started', 'incident "card network down" cleared']);
  assert.equal(lines[0].step, 'charge card');
  assert.equal(lines[0].failure_code, 'UNAVAILABLE');
  assert.ok(!Number.isNaN(Date.parse(String(lines[0].ends))));
});

test('an incident ends at its duration though nobody clears it, and says so', async () => {
  const instance = await start({ THESPIAN_ADMIN_TOKEN: TOKEN });
  const client = admin(instance);
  const injected = await client.inject({ name: 'brief', failure_chance: 1, duration_ms: 1500 });
  assert.ok(injected.ok);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listed = await client.list();
    assert.ok(listed.ok);
    if ((listed.reply.incidents ?? []).length === 0) break;
    assert.ok(Date.now() < deadline, 'the incident should have ended by now');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
  await instance.waitForLines((line) => line.message === 'incident "brief" ended' && line.incident_id === injected.reply.id);
  assert.deepEqual(await client.clear({ all: true }), { ok: true, reply: { cleared: 0 } });
});

test('bad input answers INVALID_ARGUMENT with every problem, garbage bytes are answered, and the instance carries on', async () => {
  const instance = await start({ THESPIAN_ADMIN_TOKEN: TOKEN });
  const client = admin(instance);
  const refused = async (request: Record<string, unknown>, pattern: RegExp) => {
    const answer = await client.inject(request);
    assert.ok(!answer.ok && answer.code === grpc.status.INVALID_ARGUMENT, JSON.stringify(answer));
    assert.match(answer.details, pattern);
  };
  await refused({ step: 'charge crad', failure_chance: 1, duration_ms: 1000 }, /step: "charge crad" is not a Sleep of "shop" \(did you mean "charge card"\?\)/);
  await refused({ failure_chance: 1, duration_ms: 25 * 3600_000 }, /duration: at most 24 h/);
  await refused({ failure_chance: 1 }, /duration: must be more than 0/);
  await refused({ failure_chance: 1, duration_ms: Number.NaN }, /duration: must be more than 0 ms \(got NaN\)/);
  await refused({ failure_chance: 2, latency_factor: -1, failure_code: 'NOPE', duration_ms: 1000 }, /failure_chance.*\nlatency_factor.*\nfailure_code: unknown gRPC failure status "NOPE"/);
  await refused({ name: 'x'.repeat(1_000_000), failure_chance: 1, duration_ms: 1000 }, /name: at most 256 characters \(got 1000000\)/);
  await refused({ method: 'Z', failure_chance: 1, duration_ms: 1000 }, /method: must be A, B or C/);
  const clear = await client.clear({});
  assert.ok(!clear.ok && clear.code === grpc.status.INVALID_ARGUMENT && /give the id of an incident to clear, or all/.test(clear.details));

  const garbage = await rawCall(instance.address, 'Inject', Buffer.from([0x0f, 0xff, 0xff, 0x42]), `Bearer ${TOKEN}`);
  assert.notEqual(garbage.code, grpc.status.OK, 'undecodable bytes are not an incident');
  const oversized = await rawCall(instance.address, 'Inject', Buffer.alloc(5 * 1024 * 1024, 0x41), `Bearer ${TOKEN}`);
  assert.equal(oversized.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.deepEqual(await client.list(), { ok: true, reply: { incidents: [], service: 'shop' } }, 'nothing refused was kept');
  assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK, 'the instance still serves');
});

test('the token never reaches stdout or stderr, even with grpc-js tracing every call', async () => {
  const instance = await start({ THESPIAN_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'debug', GRPC_VERBOSITY: 'DEBUG', GRPC_TRACE: 'server_call' });
  const client = admin(instance);
  const injected = await client.inject({ name: 'loud', failure_chance: 0, duration_ms: 1000 });
  assert.ok(injected.ok);
  await admin(instance, `${TOKEN}-wrong`).list();
  await client.clear({ all: true });
  await instance.waitForLines((line) => line.message === 'incident "loud" cleared');
  await instance.stop();
  const everything = JSON.stringify(instance.logs) + instance.stderr();
  assert.ok(instance.logs.some((line) => line.message === 'incident "loud" started'), 'the lines were read');
  assert.ok(everything.includes('(redacted)'), 'grpc-js did trace the headers, without the token');
  assert.ok(!everything.includes(TOKEN), 'the token is not written anywhere');
});

test('a too-short or empty THESPIAN_ADMIN_TOKEN does not start the instance (exit 2) and is not quoted', async () => {
  for (const token of ['short', '', 'has a space in it, so no']) {
    const result = await runToExit({ CONFIG_JSON: JSON.stringify(BEHAVIOUR), THESPIAN_ADMIN_TOKEN: token, PORT: '0' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /THESPIAN_ADMIN_TOKEN: must be/);
    if (token !== '') assert.ok(!result.stderr.includes(token), 'the token is not quoted');
  }
});

test('in a pack each service has its own incidents, behind the token the pack shares, and List says which service answers', async () => {
  const [shopPort, mailPort] = await freePorts(2);
  const packFile = join(tempDir(), 'pack.json');
  const service = (name: string, port: number) => ({ PORT: String(port), SERVICE_NAME: name, CONFIG_JSON: JSON.stringify(BEHAVIOUR) });
  writeFileSync(packFile, JSON.stringify({ services: [service('shop', shopPort), service('mail', mailPort)] }));
  const pack = await startInstance({ env: { THESPIAN_PACK_FILE: packFile, THESPIAN_ADMIN_TOKEN: TOKEN } });
  instances.push(pack);
  const shop = new AdminClient(`127.0.0.1:${shopPort}`, TOKEN);
  clients.push(shop);
  assert.ok((await shop.inject({ service: 'shop', failure_chance: 1, duration_ms: 600_000 })).ok);
  const elsewhere = await shop.inject({ service: 'mail', failure_chance: 1, duration_ms: 600_000 });
  assert.ok(!elsewhere.ok && /service: this instance is "shop", not "mail"/.test(elsewhere.details));
  assert.equal((await callMethod(`127.0.0.1:${shopPort}`, 'A')).code, grpc.status.INTERNAL);
  assert.equal((await callMethod(`127.0.0.1:${mailPort}`, 'A')).code, grpc.status.OK, 'the other packed service is untouched');
  const mail = new AdminClient(`127.0.0.1:${mailPort}`, TOKEN);
  clients.push(mail);
  assert.deepEqual(await mail.list(), { ok: true, reply: { incidents: [], service: 'mail' } });
  const listed = await shop.list();
  assert.ok(listed.ok && listed.reply.service === 'shop' && listed.reply.incidents.length === 1);
});

test('thespian.injected.failures counts the failures an incident caused under its name, apart from the step\'s own', async () => {
  const metrics = await OtlpMetricsReceiver.start();
  try {
    const instance = await start({
      THESPIAN_ADMIN_TOKEN: TOKEN,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    });
    const client = admin(instance);
    const injected = await client.inject({ name: 'mail down', step: 'send mail', failure_chance: 1, failure_code: 'UNAVAILABLE', duration_ms: 600_000 });
    assert.ok(injected.ok);
    for (let i = 0; i < 3; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.UNAVAILABLE);
    assert.equal((await client.clear({ all: true })).ok, true);
    for (let i = 0; i < 2; i++) assert.equal((await callMethod(instance.address, 'A')).code, grpc.status.OK);
    await instance.stop(); // the only export is at shutdown
    const points = metrics.latest('shop', 'thespian.injected.failures');
    assert.deepEqual(
      points.map((point) => [point.attributes, point.value]),
      [[{ 'thespian.step.name': 'send mail', 'rpc.status_code': 'UNAVAILABLE', 'thespian.injected.kind': 'failure_chance', 'thespian.incident': 'mail down' }, 3]],
    );
  } finally {
    await metrics.close();
  }
});
