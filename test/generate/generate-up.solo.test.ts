import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpResult } from '../../src/ensemble';
import { runToExit } from '../support/instance-process';
import { runUp, survivors, tempDir } from '../up/up-helpers';

// Solo (test/run.mjs runs it after the rest, alone): 20 services start at once, and the tests
// beside it on a 2-core machine missed their request deadlines.

async function generate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToExit({}, ['generate', ...args], 60_000);
}

test('thespian up runs a generated 20-service topology: every request answered, every trace whole', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'twenty.jsonc');
    assert.equal((await generate(['--services', '20', '--seed', '2', '-o', path])).code, 0);
    const summaryPath = join(dir, 'summary.json');
    const run = await runUp([path, '--free-ports', '--requests', '10', '--quiet', '--summary-json', summaryPath], 180_000);
    assert.equal(run.code, 0, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
    const { requests, traces, spans, services } = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;
    assert.equal(services.length, 20);
    assert.equal(requests.sent, 10);
    assert.equal(requests.unanswered, 0, 'every request answered');
    assert.equal(traces.complete, 10, 'every trace arrived with its root');
    assert.equal(traces.withOrphans, 0, 'no span is missing its parent');
    assert.notEqual(spans.okTracesExpected, null);
    assert.equal(spans.okTracesWithMissingSpans, 0, 'no successful trace lost a span');
    assert.equal(spans.okTracesReceived, spans.okTracesExpected, 'no excess spans in a successful trace');
    assert.deepEqual(await survivors(services.map((service) => service.pid!), 5_000), [], 'every service process has gone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
