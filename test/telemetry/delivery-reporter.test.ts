import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryReporter } from '../../src/telemetry/delivery-reporter';

/** A sink that keeps the lines, and a clock the test moves by hand. */
function harness(repeatEveryMs?: number) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const reporter = new DeliveryReporter({ delivery: 'span export', target: 'http://tempo:4317', unit: 'spans', queueFullHint: 'raise the queue size', now: () => now, repeatEveryMs });
  const sink = {
    warn: (message: string, fields: Record<string, unknown>) => lines.push({ level: 'warn', message, fields }),
    info: (message: string, fields: Record<string, unknown>) => lines.push({ level: 'info', message, fields }),
  };
  return { reporter, sink, lines, advance: (ms: number) => (now += ms) };
}

test('one warning when delivery starts failing, naming the endpoint and the error', () => {
  const { reporter, sink, lines } = harness();
  reporter.connect(sink);
  reporter.succeeded(10);
  assert.equal(lines.length, 0, 'success says nothing');
  reporter.failedBatch(5, new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].level, 'warn');
  assert.match(lines[0].message, /span export to http:\/\/tempo:4317 is failing: 14 UNAVAILABLE: connect ECONNREFUSED/);
  assert.equal(lines[0].fields.endpoint, 'http://tempo:4317');
  assert.equal(lines[0].fields.spans_dropped, 5);
});

test('while it keeps failing, at most one line a minute, counting what was dropped since it began', () => {
  const { reporter, sink, lines, advance } = harness();
  reporter.connect(sink);
  reporter.failedBatch(5, new Error('timeout'));
  for (let i = 0; i < 50; i++) {
    advance(1_000);
    reporter.failedBatch(2, new Error('timeout'));
  }
  assert.equal(lines.length, 1, '50 s of failures: still only the first warning');
  advance(10_000);
  reporter.droppedQueueFull(7);
  reporter.failedBatch(3, new Error('timeout'));
  assert.equal(lines.length, 2, 'a minute after the first warning, one more');
  assert.equal(lines[1].level, 'warn');
  assert.match(lines[1].message, /still failing, 115 spans dropped since 2026-01-01T00:00:00\.000Z: timeout/);
  assert.equal(lines[1].fields.spans_dropped, 115);
  reporter.failedBatch(1, new Error('timeout'));
  assert.equal(lines.length, 2, 'and then quiet again for a minute');
});

test('one info line when it recovers, and a new failure warns again at once', () => {
  const { reporter, sink, lines, advance } = harness();
  reporter.connect(sink);
  reporter.failedBatch(4, new Error('500'));
  advance(2_500);
  reporter.succeeded(6);
  reporter.succeeded(6);
  assert.equal(lines.length, 2);
  assert.equal(lines[1].level, 'info');
  assert.match(lines[1].message, /span export to http:\/\/tempo:4317 recovered after 2\.5 s; 4 spans were dropped while it failed/);
  reporter.failedBatch(1, new Error('429'));
  assert.equal(lines.length, 3);
  assert.match(lines[2].message, /is failing: 429/);
  assert.deepEqual(reporter.counts(), { delivered: 12, failed: 5, queueFull: 0 });
});

test('lines reported before the logger is connected are written when it is', () => {
  const { reporter, sink, lines } = harness();
  reporter.failedBatch(3, new Error('refused'));
  assert.equal(lines.length, 0);
  reporter.connect(sink);
  assert.equal(lines.length, 1);
  assert.match(lines[0].message, /is failing: refused/);
});

test('a long or multi-line error (a backend answering an HTML page) is cut to one short line', () => {
  const { reporter, sink, lines } = harness();
  reporter.connect(sink);
  reporter.failedBatch(1, new Error(`Server returned HTTP 502: <html>\n${'x'.repeat(5_000)}</html>`));
  assert.ok(String(lines[0].fields.error).length <= 301, 'error capped');
  assert.doesNotMatch(lines[0].message, /\n/);
});

test('spans dropped for a full queue while the backend answers: a warning, then at most one a minute', () => {
  const { reporter, sink, lines, advance } = harness();
  reporter.connect(sink);
  reporter.droppedQueueFull(1);
  assert.equal(lines.length, 1);
  assert.match(lines[0].message, /span export to http:\/\/tempo:4317 cannot keep up: 1 spans dropped because the queue is full; raise the queue size/);
  for (let i = 0; i < 30; i++) {
    advance(1_000);
    reporter.droppedQueueFull(10);
  }
  assert.equal(lines.length, 1, 'quiet for a minute');
  advance(30_000);
  reporter.droppedQueueFull(5);
  assert.equal(lines.length, 2);
  assert.match(lines[1].message, /cannot keep up: 305 spans dropped since 2026-01-01T00:00:00\.000Z because the queue is full/);
  assert.deepEqual(reporter.counts(), { delivered: 0, failed: 0, queueFull: 306 });
});

test('a warning that itself lands in the full queue (Loki logging about Loki) does not loop', () => {
  const { reporter, lines } = harness();
  reporter.connect({
    warn: (message, fields) => {
      lines.push({ level: 'warn', message, fields });
      reporter.droppedQueueFull(1); // the warning line found the queue full too
    },
    info: (message, fields) => {
      lines.push({ level: 'info', message, fields });
      reporter.droppedQueueFull(1);
    },
  });
  reporter.droppedQueueFull(1);
  assert.equal(lines.length, 1);
  reporter.failedBatch(1, new Error('500'));
  reporter.succeeded(1);
  assert.equal(lines.length, 3);
  assert.equal(reporter.counts().queueFull, 4);
});

test('once quieted (the stopped line has given the final counts), nothing more is said, but outcomes are still counted', () => {
  const { reporter, sink, lines } = harness();
  reporter.connect(sink);
  reporter.quiet();
  reporter.failedBatch(3, new Error('no complete answer within 3000 ms'));
  reporter.droppedQueueFull(2);
  reporter.succeeded(1);
  assert.deepEqual(lines, [], 'a push that was still on its way at shutdown says nothing after "stopped"');
  assert.deepEqual(reporter.counts(), { delivered: 1, failed: 3, queueFull: 2 });
});
