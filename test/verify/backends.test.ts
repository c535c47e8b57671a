import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyResult } from '../../src/verify';
import { runToExit } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';
import { startFixture, startStack, type FixtureOptions, type Stack } from './verify-helpers';

/**
 * `thespian verify` (the real CLI) against fixture servers that answer in Tempo's, Jaeger's and
 * Loki's formats from spans and lines real instances sent to the test's receivers. Each request
 * of this topology makes 10 spans whatever happens (the failing step is last and its sibling runs
 * to the end), and 8 log lines (7 step starts and a warning), 10 when it fails (the failure is
 * logged where it began and again at the call that passes it on as a new failure).
 */
let stack: Stack;
const REQUESTS = 30;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

async function verify(format: 'tempo' | 'jaeger', fixtureOptions: FixtureOptions, extra: string[] = []) {
  const fixture = await startFixture(format, stack, fixtureOptions);
  const json = join(tempDir(), 'result.json');
  try {
    const run = await runToExit(
      {},
      ['verify', '--topology', stack.topologyPath, `--${format}`, fixture.url, '--loki', fixture.url, '--requests', String(REQUESTS), '--rate', '40', '--json', json, ...extra],
      60_000,
    );
    const result = run.code === 0 || run.code === 1 ? (JSON.parse(readFileSync(json, 'utf8')) as VerifyResult) : undefined;
    return { ...run, result, fixture };
  } finally {
    await fixture.close();
  }
}

function assertAllThere(run: Awaited<ReturnType<typeof verify>>): void {
  assert.equal(run.code, 0, `exit 0\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const result = run.result!;
  assert.match(run.stdout, /^PASS: nothing lost/m);
  assert.deepEqual(result.traces, { complete: REQUESTS, partial: 0, missing: 0 });
  assert.equal(result.spans.expected, 10 * REQUESTS, 'every request makes 10 spans');
  assert.equal(result.spans.found, 10 * REQUESTS);
  assert.equal(result.spans.brokenLinks, 0);
  const failed = result.failureRates.all.failed;
  assert.equal(result.logLines?.expected, 8 * (REQUESTS - failed) + 10 * failed);
  assert.equal(result.logLines?.lost, 0);
  assert.equal(result.failureRates.all.predicted, 0.25);
}

test('Tempo (base64 ids) and Loki: every trace complete, exit 0', async () => {
  const run = await verify('tempo', {});
  assertAllThere(run);
  // The table comes first, the verdict right after it.
  const lines = run.stdout.split('\n');
  assert.match(lines[0], /^Verify: verify-shop via Tempo http:\/\/127\.0\.0\.1:\d+, Loki http/);
  assert.ok(lines.findIndex((line) => /✓ traces/.test(line)) < lines.findIndex((line) => /^PASS/.test(line)));
});

test('Jaeger and Loki: every trace complete, exit 0', async () => {
  assertAllThere(await verify('jaeger', {}));
});

test('an older Tempo (hex ids, instrumentationLibrarySpans, numeric enums) reads the same', async () => {
  assertAllThere(await verify('tempo', { legacyTempo: true }));
});

test('Loki 3 holding the lines as it stores OTLP logs (the message as the line, trace_id as structured metadata): every line found', async () => {
  const run = await verify('tempo', { lokiOtlp: true });
  assertAllThere(run);
  assert.ok(run.fixture.queries.logs >= 2 * REQUESTS, 'both the line filter and the trace_id label filter were asked');
});

test('Loki 3 with OTLP lines, some lost: counted as lost, exit 1', async () => {
  const run = await verify('tempo', { lokiOtlp: true, dropLine: (line) => line.line.includes('"level":"warn"') }, ['--wait', '3']);
  assert.equal(run.code, 1, `exit 1\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.equal(run.result!.logLines!.lost, REQUESTS, 'one warn line per trace');
  assert.equal(run.result!.spans.lost, 0);
});

test('slow ingestion: traces that are not found for the first polls are found later', async () => {
  const run = await verify('tempo', { slowPolls: 3 }, ['--wait', '20']);
  assertAllThere(run);
  assert.ok(run.result!.waitedS >= 1, `waited ${run.result!.waitedS} s`);
  assert.ok(run.fixture.queries.traces >= 4 * REQUESTS, `${run.fixture.queries.traces} trace queries`);
});

test('missing traces, dropped spans and lost log lines: reported as such, exit 1', async () => {
  const dropped = (traceId: string) => parseInt(traceId.slice(-1), 16) < 8;
  const run = await verify(
    'tempo',
    {
      hideFirst: 2,
      // A leaf in some traces; the back service's Function in one more (its children lose their parent).
      dropSpan: (span) => (span.name === 'render' && dropped(span.traceId)) || (span.name === 'payment' && span.traceId.endsWith('f')),
      dropLine: (line) => line.line.includes('"level":"warn"'),
    },
    ['--wait', '3'],
  );
  assert.equal(run.code, 1, `exit 1\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const result = run.result!;
  assert.equal(result.traces.missing, 2);
  assert.ok(result.traces.partial > 0, 'some traces lack their render span');
  // A missing trace still counts what it certainly had: at least its SERVER span and its Function
  // (a request that failed in its first step had no more than that, so no more is certain).
  assert.ok(result.spans.lost >= result.traces.partial + 2 * 2, `lost ${result.spans.lost}, partial ${result.traces.partial}`);
  const withRender = result.traceReports.filter((report) => report.verdict === 'partial' && report.lostSpans.includes('front INTERNAL render'));
  assert.ok(withRender.length > 0);
  for (const report of withRender) assert.ok(dropped(report.traceId), 'only the traces whose render span was dropped lack it');
  const brokenTrace = result.traceReports.find((report) => report.traceId.endsWith('f') && report.verdict !== 'missing');
  if (brokenTrace) {
    assert.equal(brokenTrace.brokenLinks, 2, 'fraud check and card network lost their parent');
    assert.ok(brokenTrace.lostSpans.includes('back INTERNAL payment'));
  }
  assert.equal(result.logLines!.lost, result.traces.complete + result.traces.partial, 'one warn line per trace read back');
  assert.match(run.stdout, /^FAIL: .*spans lost.*2 traces missing.*log lines lost/m);
  assert.match(run.stdout, /✗ traces .* 2 missing/);
  assert.match(run.stdout, /^Worst traces/m);
  assert.match(run.stdout, /missing: front INTERNAL render/);
});

test('--max-loss lets a small loss pass', async () => {
  const run = await verify('jaeger', { dropSpan: (span) => span.name === 'render' && span.traceId.endsWith('0') }, ['--wait', '2', '--max-loss', '20%']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^PASS: (nothing lost|losses within the limit) \(--max-loss 20/m);
});
