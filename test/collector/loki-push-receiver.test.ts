import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { LokiPushReceiver } from '../../src/collector/loki-push-receiver';

async function post(url: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }) {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: response.status, text: await response.text() };
}

function pushBody(line: string, labels: Record<string, string> = { service_name: 'checkout' }) {
  return JSON.stringify({ streams: [{ stream: labels, values: [['1700000000123456789', line, { trace_id: 'abc' }]] }] });
}

test('receives what winston-loki pushes: labels, JSON lines, structured metadata', async () => {
  const receiver = await LokiPushReceiver.start();
  const transport = new LokiTransport({
    host: receiver.endpoint,
    json: true,
    format: winston.format.json(),
    labels: { service_name: 'checkout' },
    batching: true,
    interval: 0.05,
    gracefulShutdown: false,
    clearOnError: true,
    timeout: 5000,
  });
  const logger = winston.createLogger({ transports: [transport] });
  try {
    logger.info('order placed', { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', amount: 3 });
    logger.error('payment failed', { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    const lines = await receiver.waitFor((all) => all.length === 2, 10_000);

    const placed = lines.find((line) => line.labels.level === 'info');
    const failed = lines.find((line) => line.labels.level === 'error');
    assert.ok(placed && failed, `got ${JSON.stringify(lines.map((line) => line.labels))}`);
    assert.deepEqual(placed.labels, { level: 'info', service_name: 'checkout' });
    assert.deepEqual(placed.json, { level: 'info', message: 'order placed', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', amount: 3 });
    assert.equal(JSON.parse(placed.line).message, 'order placed');
    assert.equal(placed.metadata?.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(placed.metadata?.amount, '3');
    assert.equal(typeof placed.timestampNs, 'bigint');
    assert.ok(placed.timestampNs > 1_600_000_000_000_000_000n);
    assert.equal((failed.json as { message: string }).message, 'payment failed');
  } finally {
    await transport.close();
    logger.close();
    await receiver.close();
  }
});

test('accepts a gzip body and answers 204; GET /ready answers 200', async () => {
  const receiver = await LokiPushReceiver.start();
  try {
    const ready = await fetch(`${receiver.endpoint}/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.text()).trim(), 'ready');

    const answer = await post(`${receiver.endpoint}/loki/api/v1/push`, gzipSync(pushBody('plain text line')), {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
    });
    assert.equal(answer.status, 204);
    assert.deepEqual(receiver.lines(), [
      {
        labels: { service_name: 'checkout' },
        timestampNs: 1_700_000_000_123_456_789n,
        line: 'plain text line',
        metadata: { trace_id: 'abc' },
      },
    ]);
  } finally {
    await receiver.close();
  }
});

test('answers 400 with a reason for bodies it cannot read, and keeps nothing', async () => {
  const receiver = await LokiPushReceiver.start();
  const push = `${receiver.endpoint}/loki/api/v1/push`;
  try {
    const protobuf = await post(push, Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e]), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(protobuf.status, 400);
    assert.match(protobuf.text, /only the JSON push format/);

    const garbage = await post(push, 'not json at all');
    assert.equal(garbage.status, 400);
    assert.match(garbage.text, /body is not JSON/);

    const numericTimestamp = await post(push, JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [[1700000000, 'x']] }] }));
    assert.equal(numericTimestamp.status, 400);
    assert.match(numericTimestamp.text, /streams\[0\]\.values\[0\] must be/);

    const numericLabel = await post(push, pushBody('x', { port: 8080 } as unknown as Record<string, string>));
    assert.equal(numericLabel.status, 400);
    assert.match(numericLabel.text, /streams\[0\]\.stream\.port must be a string/);

    const badGzip = await post(push, 'plainly not gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    assert.equal(badGzip.status, 400);
    assert.match(badGzip.text, /does not gunzip/);

    assert.equal(receiver.lines().length, 0);
  } finally {
    await receiver.close();
  }
});

test('failWithStatus answers that status until cleared; winston-loki sees it as a failed push', async () => {
  const receiver = await LokiPushReceiver.start({ failWithStatus: 500 });
  const push = `${receiver.endpoint}/loki/api/v1/push`;
  let reportFailure: (error: unknown) => void = () => {};
  const failed = new Promise<unknown>((resolve) => (reportFailure = resolve));
  const transport = new LokiTransport({
    host: receiver.endpoint,
    json: true,
    labels: { service_name: 'checkout' },
    interval: 0.05,
    gracefulShutdown: false,
    clearOnError: true,
    onConnectionError: (error) => reportFailure(error),
  });
  const logger = winston.createLogger({ transports: [transport] });
  try {
    const refused = await post(push, pushBody('lost'));
    assert.equal(refused.status, 500);
    assert.match(refused.text, /told to fail with status 500/);

    // winston-loki 6.1.7 treats a non-2xx answer as a failed push (and then backs off for 60 s).
    logger.info('also lost');
    assert.equal(((await failed) as { statusCode?: number }).statusCode, 500);
    assert.equal(receiver.lines().length, 0);

    receiver.failWithStatus = undefined;
    assert.equal((await post(push, pushBody('kept'))).status, 204);
    assert.deepEqual(receiver.lines().map((line) => line.line), ['kept']);
  } finally {
    await transport.close();
    logger.close();
    await receiver.close();
  }
});

test('delayMs holds each answer back: the lines are kept before the client hears 204', async () => {
  const receiver = await LokiPushReceiver.start({ delayMs: 100 });
  try {
    let answered = false;
    const answer = post(`${receiver.endpoint}/loki/api/v1/push`, pushBody('slow')).then((result) => {
      answered = true;
      return result;
    });
    await receiver.waitFor((all) => all.length === 1, 10_000);
    assert.equal(answered, false);
    assert.equal((await answer).status, 204);
  } finally {
    await receiver.close();
  }
});

test('waitFor times out listing the lines that did arrive', async () => {
  const receiver = await LokiPushReceiver.start({ maxLines: 1 });
  try {
    await post(`${receiver.endpoint}/loki/api/v1/push`, pushBody('first'));
    await post(`${receiver.endpoint}/loki/api/v1/push`, pushBody('second'));
    assert.equal(receiver.dropped, 1);
    await assert.rejects(receiver.waitFor((all) => all.length > 5, 50), /received 1 log lines \(1 dropped\):\n.*service_name.*second/);
  } finally {
    await receiver.close();
  }
});
