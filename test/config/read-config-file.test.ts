import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInstanceSettings } from '../../src/config';
import { MAIN } from '../support/instance-process';

// Issue 11, item 13: an editor's byte order mark made a behaviour file "not valid JSONC".
test('a CONFIG_FILE that starts with a UTF-8 byte order mark is read as without it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-bom-'));
  try {
    const path = join(dir, 'bom.jsonc');
    writeFileSync(path, '\uFEFF// a comment\n{ "service_name": "shop", "grpc_method_a": { "tracing_name": "a", "operations": [] } }');
    const settings = readInstanceSettings({ CONFIG_FILE: path });
    assert.equal(settings.serviceName, 'shop');
    assert.equal(settings.behaviour.methods.A?.tracingName, 'a');
    assert.equal(readInstanceSettings({ CONFIG_JSON: '\uFEFF{"grpc_method_b": null}' }).behaviour.methods.B, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Item 3: the instance's own stdin, a pipe that nobody writes to, blocked the start for ever.
test('CONFIG_FILE=/proc/self/fd/0 on a pipe that is never written is refused at once, exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-stdin-'));
  const fifo = join(dir, 'stdin');
  execFileSync('mkfifo', [fifo]);
  // Read-write, so the open does not wait for a writer (Linux); the child's stdin then has a writer that never writes.
  const stdin = openSync(fifo, 'r+');
  t.after(() => {
    closeSync(stdin);
    rmSync(dir, { recursive: true, force: true });
  });
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', THESPIAN_NODE_WARNING: process.env.THESPIAN_NODE_WARNING ?? '', OTEL_TRACES_EXPORTER: 'none', PORT: '0', CONFIG_FILE: '/proc/self/fd/0' },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Only a hang guard: the refusal comes at once, a hang never ends.
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  assert.equal(code, 2, stderr);
  assert.match(stderr, /^CONFIG_FILE \(\/proc\/self\/fd\/0\): cannot read \/proc\/self\/fd\/0: it is a FIFO \(named pipe\), which may never end or never answer; give the path of a regular file\n$/);
});
