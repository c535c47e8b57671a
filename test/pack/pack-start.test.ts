import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../src/ensemble/free-ports';
import { callMethod, closeClients, runToExit, startInstance } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';
import { createServer } from 'node:net';
import { OtlpLogsReceiver } from '../support/otlp-logs-receiver';

after(() => closeClients());

const TRIVIAL = JSON.stringify({ grpc_method_a: { tracing_name: 'noop', operations: [] } });

function writePack(content: unknown): string {
  const path = join(tempDir(), 'pack.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('a bad pack file exits 2 with every problem on its own line, by its path', async () => {
  const missing = await runToExit({ THESPIAN_PACK_FILE: '/nonexistent/pack.json' });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^THESPIAN_PACK_FILE \/nonexistent\/pack\.json: cannot read it: .*ENOENT/m);

  const notJson = await runToExit({ THESPIAN_PACK_FILE: writePack('{ services: [') });
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /: not JSON: /);

  const empty = await runToExit({ THESPIAN_PACK_FILE: writePack({ services: [] }) });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /\$\.services: must be a list of at least one service's variables/);

  const badEntries = await runToExit({ THESPIAN_PACK_FILE: writePack({ services: [{ PORT: 7 }, 'x'] }) });
  assert.equal(badEntries.code, 2);
  const lines = badEntries.stderr.trim().split('\n');
  assert.deepEqual(
    lines.map((line) => line.replace(/^THESPIAN_PACK_FILE \S+: /, '')),
    ['$.services[0].PORT: must be a string', '$.services[0].SERVICE_NAME: each packed service needs its name', '$.services[1]: must be an object of variable names and string values'],
  );
});

test("a packed service's bad configuration is said with its name, and nothing starts", async () => {
  const [port] = await freePorts(1);
  const result = await runToExit({
    THESPIAN_PACK_FILE: writePack({
      services: [
        { PORT: String(port), SERVICE_NAME: 'good', CONFIG_JSON: TRIVIAL },
        { PORT: 'http', SERVICE_NAME: 'bad', CONFIG_JSON: '{"grpc_method_a": 3}' },
      ],
    }),
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^service bad \(\$\.services\[1\]\): PORT: must be a whole number/m);
  assert.match(result.stderr, /^service bad \(\$\.services\[1\]\): CONFIG_JSON: grpc_method_a/m);
  assert.doesNotMatch(result.stdout, /listening/, 'no service started');
});

test('a pack of more than ten services starts and stops without a warning (one stdout and exit listener for all)', { timeout: 60_000 }, async () => {
  const ports = await freePorts(12);
  const pack = await startInstance({
    env: { THESPIAN_PACK_FILE: writePack({ services: ports.map((port, index) => ({ PORT: String(port), SERVICE_NAME: `s${index}`, CONFIG_JSON: TRIVIAL })) }) },
  });
  await pack.waitForLines((line) => String(line.message).startsWith('listening'), ports.length, 20_000);
  for (const port of ports) assert.equal((await callMethod(`127.0.0.1:${port}`, 'A')).code, 0);
  const { code } = await pack.stop();
  assert.equal(code, 0);
  assert.equal(pack.logs.filter((line) => line.message === 'stopped').length, ports.length, 'every service said it stopped');
  assert.equal(pack.stderr(), '', 'nothing on stderr, no MaxListenersExceededWarning');
});

test('when one packed service cannot start, the others stop in order, their last lines still exported, and the reason comes last', { timeout: 60_000 }, async () => {
  const [good1, taken, good2] = await freePorts(3);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(taken, '0.0.0.0', resolve));
  const logs = await OtlpLogsReceiver.start();
  try {
    const result = await runToExit({
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: logs.endpoint,
      THESPIAN_PACK_FILE: writePack({
        services: [
          { PORT: String(good1), SERVICE_NAME: 'good1', CONFIG_JSON: TRIVIAL },
          { PORT: String(taken), SERVICE_NAME: 'blocked', CONFIG_JSON: TRIVIAL },
          { PORT: String(good2), SERVICE_NAME: 'good2', CONFIG_JSON: TRIVIAL },
        ],
      }),
    });
    assert.equal(result.code, 1);
    const lastLine = result.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(lastLine, /^service blocked did not start: cannot listen on port \d+: .*EADDRINUSE/, `stderr:\n${result.stderr}`);
    for (const name of ['good1', 'good2']) {
      assert.ok(
        logs.records.some((record) => record.service === name && record.body === 'stopped'),
        `${name}'s stopped line reached the OTLP receiver (its log export was not shut down before it stopped)`,
      );
    }
  } finally {
    blocker.close();
    await logs.close();
  }
});
