import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { callMethod, closeClients, runToExit, startInstance } from '../support/instance-process';

const failingBehaviour = {
  service_name: 'from_env',
  grpc_method_a: { tracing_name: 'env behaviour', operations: [{ Action: { Sleep: { tracing_name: 'always fails', duration_ms: 1, failure_chance: 1 } } }] },
};

test('serve takes --port, --config FILE and --service-name, and they win over PORT, CONFIG_JSON and SERVICE_NAME', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-serve-test-'));
  const port = await freePort();
  const file = join(dir, 'fine.jsonc');
  writeFileSync(file, JSON.stringify({ service_name: 'from_file', grpc_method_a: { tracing_name: 'file behaviour', operations: [{ Action: { Sleep: { tracing_name: 'quick', duration_ms: 1 } } }] } }));
  const instance = await startInstance({
    cliArgs: ['serve', '--port', String(port), '--config', file, '--service-name', 'from_flag'],
    env: { PORT: '1', CONFIG_JSON: JSON.stringify(failingBehaviour), SERVICE_NAME: 'from_env' },
  });
  try {
    assert.equal(instance.port, port, 'listens on --port, not PORT');
    const call = await callMethod(instance.address, 'A');
    assert.equal(call.code, 0, `the behaviour of --config, not CONFIG_JSON's: ${call.details}`);
    const [listening] = await instance.waitForLines((line) => String(line.message).startsWith('listening'));
    assert.equal(listening.service_name, 'from_flag');
  } finally {
    await instance.stop();
    closeClients();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve takes a bundled behaviour name as its argument; the environment is the fallback for the rest', async () => {
  const port = await freePort();
  const instance = await startInstance({ cliArgs: ['serve', 'standalone'], env: { PORT: String(port), CONFIG_FILE: 'call_service' } });
  try {
    assert.equal(instance.port, port, 'PORT from the environment');
    const [listening] = await instance.waitForLines((line) => String(line.message).startsWith('listening'));
    assert.equal(listening.service_name, 'starfox_simulator', "the bundled standalone behaviour's service_name");
  } finally {
    await instance.stop();
  }
});

test('serve refuses what it does not take, exit 2, one line and a pointer to --help', async () => {
  const cases: [string[], string][] = [
    [['serve', '--port', '70000'], 'thespian serve: --port must be a whole number from 0 to 65535 (got "70000")'],
    [['serve', '--port', 'http'], 'thespian serve: --port must be a whole number from 0 to 65535 (got "http")'],
    [['serve', 'standalone', 'call_service'], 'thespian serve: one behaviour at a time (got "standalone", "call_service")'],
    [['serve', 'standalone', '--config', 'call_service'], 'thespian serve: give the behaviour once: as an argument ("standalone") or with --config, not both'],
    [['serve', '--log-level', 'loud'], 'thespian serve: --log-level must be one of error, warn, info, debug (got "loud")'],
    [['serve', '--bogus'], 'thespian serve: unknown option --bogus'],
  ];
  for (const [args, line] of cases) {
    const result = await runToExit({ CONFIG_FILE: 'standalone', PORT: '0' }, args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, `${line}\nsee \`thespian serve --help\`\n`);
  }
  const help = await runToExit({}, ['serve', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--port N/);
  assert.match(help.stdout, /--config F/);
  assert.match(help.stdout, /--service-name NAME/);
});
