import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { fn, methodA, sleep, step, together } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

const NANOS_PER_MS = 1_000_000n;
/** Leeway for rounding to the nanosecond on either side. */
const LEEWAY_NANOS = 1_000n;

test("our spans start with sub-millisecond precision, and each lies within its parent's start and end", async () => {
  const receiver = await OtlpTraceReceiver.start();
  const instance = await startInstance({
    env: exportTo(receiver),
    // Zero-length sleeps and an empty Function: children far shorter than a millisecond.
    behaviour: methodA(
      'work',
      step(sleep('instant', 0)),
      step(fn('inner', step(sleep('blink', 0)), step(fn('empty')))),
      together(sleep('left', 0), sleep('right', 1)),
    ),
  });
  try {
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await callMethod(instance.address, 'A'));
    assert.deepEqual([...new Set(results.map((r) => r.code))], [0]);
    const ours = (all: ReceivedSpan[]) => all.filter((s) => s.scope === 'thespian');
    const spans = ours(await receiver.waitFor((all) => ours(all).length >= 20 * 7, 10_000));
    assert.equal(spans.length, 20 * 7);

    const wholeMs = spans.filter((s) => s.startTimeUnixNano % NANOS_PER_MS === 0n);
    // One in a million lands on a whole millisecond by chance.
    assert.ok(wholeMs.length <= 1, `${wholeMs.length} of ${spans.length} spans start on a whole millisecond`);

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    let pairs = 0;
    for (const child of spans) {
      const parent = byId.get(child.parentSpanId);
      if (!parent) continue; // the SERVER span, the instrumentation's (see docs/config-reference.md)
      pairs++;
      const where = `${child.name} (${child.startTimeUnixNano}–${child.endTimeUnixNano}) in ${parent.name} (${parent.startTimeUnixNano}–${parent.endTimeUnixNano})`;
      assert.ok(child.startTimeUnixNano + LEEWAY_NANOS >= parent.startTimeUnixNano, `starts after its parent: ${where}`);
      assert.ok(child.endTimeUnixNano <= parent.endTimeUnixNano + LEEWAY_NANOS, `ends before its parent: ${where}`);
      assert.ok(child.startTimeUnixNano <= child.endTimeUnixNano, `ends after it starts: ${where}`);
    }
    assert.equal(pairs, 20 * 6, 'every span but the Function has a parent of ours');
  } finally {
    closeClients();
    await instance.stop();
    await receiver.close();
  }
});
