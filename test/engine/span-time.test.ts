import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spanTime } from '../../src/engine/span-time';

const epochMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

test('a span time is the wall-clock time of the reading, within a few milliseconds, and exact between readings', () => {
  // The wall clock read on both sides of the reading: a busy machine may pause this test between
  // any two lines, and that must widen the window, not fail the test.
  const wallBefore = Date.now();
  const reading = performance.now();
  const wallAfter = Date.now();
  const dated = epochMs(spanTime(reading));
  // Within the origin's allowance (2 ms before it is measured again) plus Date.now()'s millisecond.
  assert.ok(dated >= wallBefore - 3 && dated <= wallAfter + 3, `dated ${dated}, wall clock ${wallBefore}–${wallAfter}`);
  const later = epochMs(spanTime(reading + 0.25));
  assert.ok(Math.abs(later - dated - 0.25) < 0.001, 'readings a quarter of a millisecond apart are dated so');
});

// performance.timeOrigin alone drifts from the wall clock over a long uptime, and jumps apart from
// it when the clock is stepped or the VM is suspended; spans dated from it then disagree with the
// instrumentation's spans (dated from Date.now()) and with other hosts.
test('when the wall clock moves (a step, a suspended VM, NTP over a long uptime), span times follow it', (t) => {
  const realNow = Date.now.bind(Date);
  const stepMs = 5_000;
  t.after(() => mock.restoreAll());
  mock.method(Date, 'now', () => realNow() + stepMs);
  // A measurement interrupted between its clock reads is not taken, so on a busy machine the
  // move may show a few spans later rather than at the first.
  let dated = 0;
  for (let span = 0; span < 50; span++) dated = epochMs(spanTime(performance.now()));
  assert.ok(Math.abs(dated - (realNow() + stepMs)) <= 3, `dated ${dated - realNow()} ms from the old wall clock, expected about ${stepMs}`);
});
