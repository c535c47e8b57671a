import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleTrace, renderTrace } from '../../src/collector';
import { FIXED_TRACE } from './trace-fixture';

// The snapshot is written out here rather than stored in a file, so a change to the drawing shows
// up in review as a change to the picture.
const EXPECTED_80_COLUMNS = `
━━ ✗ failed · trace 4bf92f3577b34da6a3ce929d0e0e4736 · 13 spans ━━━━━━━━━━━━━━━━
gateway ✗ handle order                       +0.0ms ████████████████████   120ms
        ├ parse request                      +1.0ms █                      5.0ms
        ├ fetch user                         +6.0ms  ██████                 34ms
users   │ └ load user                        +9.0ms  █████                  28ms
        │   └ query users table               +10ms  █████                  25ms
        └ ✗ charge                           +6.0ms  █████████████████     104ms
ledger    └ ✗ post entry                     +9.0ms  █████████████████      98ms
            └ ✗ write ledger                  +10ms  █████████████████      95ms
                injected failure (rolled 0.4000 < failure_chance 1)`.slice(1);

test('draws a fixed trace as a waterfall tree: nesting, concurrency, hops folded, the failure marked once with its message', () => {
  const lines = renderTrace(assembleTrace(FIXED_TRACE), { width: 80, colour: false });
  assert.equal(lines.join('\n'), EXPECTED_80_COLUMNS);
});

test('every line fits in the width asked for, and there is no colour unless asked', () => {
  for (const width of [60, 80, 120]) {
    const lines = renderTrace(assembleTrace(FIXED_TRACE), { width, colour: false });
    for (const line of lines) assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
    assert.ok(!lines.join('').includes('\u001b['));
  }
  const coloured = renderTrace(assembleTrace(FIXED_TRACE), { width: 80, colour: true }).join('\n');
  assert.ok(coloured.includes('\u001b[31m✗ charge'), 'failed steps are red');
  // Colour changes nothing but the escapes.
  assert.equal(coloured.replace(/\u001b\[\d+m/g, ''), EXPECTED_80_COLUMNS);
});

test('a trace whose root never arrived is still drawn, its top marked as missing a parent', () => {
  const withoutRoot = FIXED_TRACE.filter((span) => span.parentSpanId !== '');
  const lines = renderTrace(assembleTrace(withoutRoot), { width: 80, colour: false });
  assert.match(lines[0], /no root span/);
  assert.match(lines[1], /^gateway \? ✗ handle order/);
});
