import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleTrace, TraceAssembler, type AssembledTrace } from '../../src/collector';
import { FIXED_TRACE, FIXED_TRACE_ID } from './trace-fixture';

function clockedAssembler(options: { quietMs?: number; rootlessMs?: number; maxOpenTraces?: number } = {}) {
  let now = 0;
  const done: AssembledTrace[] = [];
  const assembler = new TraceAssembler({ ...options, now: () => now, onTrace: (trace) => done.push(trace) });
  return { assembler, done, advance: (ms: number) => (now += ms) };
}

test('links spans from several services into one tree whatever order they arrive in', () => {
  const trace = assembleTrace([...FIXED_TRACE].reverse());
  assert.equal(trace.traceId, FIXED_TRACE_ID);
  assert.equal(trace.trees.length, 1);
  assert.equal(trace.orphans, 0);
  assert.equal(trace.root?.spanId, '00000000000000a1');
  assert.equal(trace.failed, true);
  const [fn] = trace.trees[0].children;
  assert.deepEqual(
    fn.children.map((child) => child.span.name),
    ['parse request', 'fetch user', 'charge'],
    'children in start order',
  );
  assert.equal(trace.endMs - trace.startMs, 120);
});

test('a trace is handed over once its root has come and it has been quiet, not before', () => {
  const { assembler, done, advance } = clockedAssembler({ quietMs: 500 });
  assembler.add(FIXED_TRACE.slice(0, 6));
  advance(10_000);
  assembler.poll();
  assert.equal(done.length, 0, 'no root yet: still waiting');
  assembler.add(FIXED_TRACE.slice(6));
  advance(499);
  assembler.poll();
  assert.equal(done.length, 0, 'root came, but not quiet long enough');
  advance(1);
  assembler.poll();
  assert.equal(done.length, 1);
  assert.equal(done[0].spans.length, FIXED_TRACE.length);

  assembler.add(FIXED_TRACE.slice(0, 1));
  assert.equal(assembler.lateSpans, 1, 'a span after its trace was handed over is counted as late, not a new trace');
  assert.equal(assembler.openTraces, 0);
});

test('a trace without a root is handed over after the rootless wait, and flush hands over the rest', () => {
  const { assembler, done, advance } = clockedAssembler({ quietMs: 100, rootlessMs: 1_000 });
  const other = FIXED_TRACE.slice(0, 3).map((span) => ({ ...span, traceId: 'f'.repeat(32) }));
  assembler.add(FIXED_TRACE.slice(0, 3));
  advance(1_000);
  assembler.add(other);
  assembler.poll();
  assert.deepEqual(done.map((trace) => trace.traceId), [FIXED_TRACE_ID]);
  assert.equal(done[0].root, undefined);
  assembler.flush();
  assert.equal(done.length, 2);
});

test('memory stays bounded: past maxOpenTraces the oldest open trace is handed over early', () => {
  const { assembler, done } = clockedAssembler({ maxOpenTraces: 2 });
  for (const id of ['1', '2', '3']) assembler.add([{ ...FIXED_TRACE[0], traceId: id.repeat(32) }]);
  assert.equal(assembler.openTraces, 2);
  assert.deepEqual(done.map((trace) => trace.traceId), ['1'.repeat(32)]);
});

test('spans that come after their trace was judged make the assembler wait longer for the next traces', () => {
  const { assembler, done, advance } = clockedAssembler({ quietMs: 500 });
  const withTrace = (traceId: string) => FIXED_TRACE.map((span) => ({ ...span, traceId }));
  const [first, second] = [withTrace('1'.repeat(32)), withTrace('2'.repeat(32))];
  assembler.add(first.slice(1));
  advance(500);
  assembler.poll();
  assert.equal(done.length, 1, 'judged after the quiet period');
  advance(1500);
  assembler.add(first.slice(0, 1));
  assert.equal(assembler.lateSpans, 1);
  assert.equal(assembler.quietMs, 3000, 'the late span came 2 s after the last: the wait is now that, with half again in hand');

  // The next trace's last span comes 2.5 s after the rest: with the old 500 ms it would be judged short.
  assembler.add(second.slice(1));
  advance(2500);
  assembler.poll();
  assembler.add(second.slice(0, 1));
  assert.equal(assembler.lateSpans, 1, 'not late this time');
  advance(3000);
  assembler.poll();
  assert.equal(done.length, 2);
  assert.equal(done[1].spans.length, second.length, 'and whole');

  advance(100_000);
  assembler.add(first.slice(0, 1));
  assert.equal(assembler.quietMs, 10_000, 'the wait never grows past 10 s');
});

test('a root that comes after its trace was given up on as rootless does not stretch the wait', () => {
  const { assembler, done, advance } = clockedAssembler({ quietMs: 500, rootlessMs: 30_000 });
  const rootIndex = FIXED_TRACE.findIndex((span) => !span.parentSpanId);
  assembler.add(FIXED_TRACE.filter((_, index) => index !== rootIndex));
  advance(30_000);
  assembler.poll();
  assert.equal(done.length, 1, 'handed over without its root');
  advance(10_000);
  assembler.add([FIXED_TRACE[rootIndex]]);
  assert.equal(assembler.lateSpans, 1, 'counted late');
  assert.equal(assembler.quietMs, 500, 'but a slow request is not export lag: the wait stays');
});
