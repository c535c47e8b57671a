import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { LokiPushReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

after(() => closeClients());

const behaviour = methodA('work', step(sleep('nap', 1)));

/** A real HTTP server at LOKI_ADDRESS that answers pushes the way `answer` says. */
async function badLoki(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const pushes: http.ServerResponse[] = [];
  /** One for each push: resolves when the instance's end of the connection has closed. */
  const hungUp: Promise<unknown>[] = [];
  const server = http.createServer((request, response) => {
    pushes.push(response);
    hungUp.push(new Promise((resolve) => request.socket.once('close', resolve)));
    request.resume();
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    hungUp,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function rssMegabytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Calls the instance in small rounds for `ms`, asserting every call answers OK and sampling its memory. */
async function keepCalling(instance: InstanceProcess, ms: number): Promise<{ calls: number; maxRssMb: number }> {
  const until = Date.now() + ms;
  let calls = 0;
  let maxRssMb = 0;
  while (Date.now() < until) {
    assert.equal(instance.child.exitCode, null, `the instance is still running; stderr:\n${instance.stderr()}`);
    const results = await Promise.all(Array.from({ length: 5 }, () => callMethod(instance.address, 'A', { deadlineMs: 5_000 })));
    assert.deepEqual([...new Set(results.map((r) => r.code))], [0], `every call answers OK; stderr:\n${instance.stderr()}`);
    calls += results.length;
    maxRssMb = Math.max(maxRssMb, rssMegabytes(instance.child.pid!));
    await delay(200);
  }
  return { calls, maxRssMb };
}

const lokiWarning = (endpoint: string) => (line: Record<string, unknown>) =>
  line.level === 'warn' && line.endpoint === endpoint && String(line.message).startsWith(`Loki push to ${endpoint} is failing: `);

test('a Loki that answers with an endless body: the instance stays up, answers calls, its memory stays bounded, and it says so', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  const loki = await badLoki((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    const pour = () => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pour);
    };
    pour();
  });
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
  // Without a cap, winston-loki collected the body into one string and died within about 4 s.
  const { calls, maxRssMb } = await keepCalling(instance, 8_000);
  assert.ok(calls >= 20, `calls were made (${calls})`);
  assert.ok(maxRssMb < 300, `memory stays bounded (peak RSS ${maxRssMb.toFixed(0)} MB)`);
  const [warning] = await instance.waitForLines(lokiWarning(loki.endpoint));
  assert.match(String(warning.error), /answer longer than \d+ bytes/);
  assert.ok(loki.pushes.length >= 1, 'the instance pushed');
  await Promise.race([Promise.all(loki.hungUp), delay(5_000).then(() => assert.fail('the instance did not hang up on the endless answer'))]);
  const { code } = await instance.stop();
  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);
  assert.doesNotMatch(instance.stderr(), /RangeError|Invalid string length/);
  await loki.close();
});

test('a Loki that starts answering and never finishes: the push is given up after a deadline, the connection closed, and it says so', async () => {
  // Headers, then a byte now and then: never idle long enough for winston-loki's own (idle) timeout.
  const loki = await badLoki((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => response.write('.'), 200);
    response.once('close', () => clearInterval(timer));
  });
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
  await keepCalling(instance, 1_000);
  const [warning] = await instance.waitForLines(lokiWarning(loki.endpoint), 1, 10_000);
  assert.match(String(warning.error), /no complete answer within \d+ ms/);
  await Promise.race([
    loki.hungUp[0],
    delay(5_000).then(() => assert.fail('the trickling connection was not closed by the instance')),
  ]);
  await keepCalling(instance, 1_000);
  const { code } = await instance.stop();
  assert.equal(code, 0, `exit code; stderr:\n${instance.stderr()}`);
  await loki.close();
});

test('a Loki that accepts pushes and never answers gets a warning with its address', async () => {
  const loki = await badLoki(() => undefined);
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
  await keepCalling(instance, 500);
  const [warning] = await instance.waitForLines(lokiWarning(loki.endpoint), 1, 10_000);
  assert.match(String(warning.error), /timed out|no complete answer/);
  await instance.stop();
  await loki.close();
});

test('a Loki answering 500 or 429 gets one warning each, with the status; the stopped line accounts for every line', async () => {
  for (const status of [500, 429]) {
    const loki = await LokiPushReceiver.start({ failWithStatus: status });
    const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
    await keepCalling(instance, 1_500);
    const [warning] = await instance.waitForLines(lokiWarning(loki.endpoint), 1, 5_000);
    assert.match(String(warning.error), new RegExp(`HTTP ${status}`));
    await instance.stop();
    const warnings = instance.logs.filter(lokiWarning(loki.endpoint));
    assert.equal(warnings.length, 1, 'one warning, not one per push');
    const stoppedAt = instance.logs.findIndex((line) => line.message === 'stopped');
    const stopped = instance.logs[stoppedAt];
    assert.ok(stopped, 'a stopped line');
    assert.equal(stopped.loki_lines_sent, 0, 'nothing got through');
    assert.ok(Number(stopped.loki_lines_dropped_push_failed) > 0, 'lines lost to refused pushes are counted');
    const accounted = ['loki_lines_sent', 'loki_lines_dropped_queue_full', 'loki_lines_dropped_push_failed', 'loki_lines_dropped_at_shutdown'].reduce(
      (sum, field) => sum + Number(stopped[field]),
      0,
    );
    assert.equal(accounted, stoppedAt, 'every line logged before "stopped" is sent or counted as dropped');
    await loki.close();
  }
});

test('a Loki that refuses and then recovers: one warning, then within seconds one "recovered" line, and the lines after it reach Loki', async () => {
  const loki = await LokiPushReceiver.start({ failWithStatus: 500 });
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
  await keepCalling(instance, 500);
  await instance.waitForLines(lokiWarning(loki.endpoint), 1, 10_000);
  loki.failWithStatus = undefined;
  // winston-loki's own pause after a failed push is a minute; ours is a few seconds.
  const recovered = (line: Record<string, unknown>) => line.level === 'info' && String(line.message).startsWith(`Loki push to ${loki.endpoint} recovered after `);
  await keepCalling(instance, 500);
  const [line] = await instance.waitForLines(recovered, 1, 20_000);
  assert.ok(Number(line.log_lines_dropped) > 0, `the recovery line says what was lost: ${JSON.stringify(line)}`);
  await keepCalling(instance, 500);
  await instance.stop();
  await loki.waitFor((all) => all.some((received) => received.line.includes('"stopped"')), 5_000);
  const stopped = instance.logs.find((entry) => entry.message === 'stopped')!;
  assert.ok(Number(stopped.loki_lines_sent) > 0 && Number(stopped.loki_lines_dropped_push_failed) > 0, JSON.stringify(stopped));
  assert.equal(loki.lines().length, Number(stopped.loki_lines_sent) + 1, 'Loki holds what the stopped line says was sent, and the stopped line');
  await loki.close();
});

test('an unresolvable LOKI_ADDRESS gets a warning naming it', async () => {
  // A label longer than 63 characters fails to resolve on this machine without any DNS query leaving it.
  const endpoint = `http://${'a'.repeat(70)}.example:3100`;
  const instance = await startInstance({ env: { LOKI_ADDRESS: endpoint }, behaviour });
  await keepCalling(instance, 500);
  const [warning] = await instance.waitForLines(lokiWarning(endpoint), 1, 10_000);
  assert.match(String(warning.error), /ENOTFOUND|EAI_|not known|resolve/i);
  await instance.stop();
});

test('with a healthy Loki, the stopped line says every line was sent', async () => {
  const loki = await LokiPushReceiver.start();
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour });
  await keepCalling(instance, 1_000);
  await instance.stop();
  const stoppedAt = instance.logs.findIndex((line) => line.message === 'stopped');
  const stopped = instance.logs[stoppedAt];
  assert.equal(stopped.loki_lines_sent, stoppedAt, 'every line before "stopped" reached Loki');
  assert.equal(stopped.loki_lines_dropped_queue_full, 0);
  assert.equal(stopped.loki_lines_dropped_push_failed, 0);
  assert.equal(stopped.loki_lines_dropped_at_shutdown, 0);
  await loki.waitFor((all) => all.some((line) => line.line.includes('"stopped"')), 5_000);
  assert.equal(loki.lines().length, stoppedAt + 1, 'Loki has them all, and the stopped line too');
  assert.equal(instance.logs.filter((line) => line.level === 'warn').length, 0, 'no warnings');
  await loki.close();
});

test('lines beyond the cap while Loki refuses are dropped, counted as queue full, and every line is accounted for', async () => {
  const loki = await LokiPushReceiver.start({ failWithStatus: 500 });
  // 101 lines a call (the Function and its 100 Sleeps each log their start): 120 calls fill the
  // 10,000-line queue while winston-loki waits out its minute after the first refused push.
  const sleeps = Array.from({ length: 100 }, (_, i) => step(sleep(`nap ${i}`, 0)));
  const instance = await startInstance({ env: { LOKI_ADDRESS: loki.endpoint }, behaviour: methodA('work', ...sleeps) });
  await instance.waitForLines(lokiWarning(loki.endpoint), 1, 5_000).catch(() => undefined);
  for (let round = 0; round < 12; round++) {
    const results = await Promise.all(Array.from({ length: 10 }, () => callMethod(instance.address, 'A', { deadlineMs: 10_000 })));
    assert.deepEqual([...new Set(results.map((r) => r.code))], [0]);
  }
  const { code } = await instance.stop();
  assert.equal(code, 0);
  const stoppedAt = instance.logs.findIndex((line) => line.message === 'stopped');
  const stopped = instance.logs[stoppedAt];
  assert.ok(Number(stopped.loki_lines_dropped_queue_full) > 0, `lines dropped for a full queue are counted: ${JSON.stringify(stopped)}`);
  const accounted = ['loki_lines_sent', 'loki_lines_dropped_queue_full', 'loki_lines_dropped_push_failed', 'loki_lines_dropped_at_shutdown'].reduce(
    (sum, field) => sum + Number(stopped[field]),
    0,
  );
  assert.equal(accounted, stoppedAt, 'every line logged before "stopped" is sent or counted as dropped');
  await loki.close();
});
