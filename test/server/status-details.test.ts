import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_STATUS_DETAILS, statusDetails } from '../../src/server/status-details';

const hop = (n: number) => `svc${n}/A › f › call: call to 127.0.0.1:7000/A failed with INTERNAL: `;

test('a short message is sent as it is; a lone surrogate becomes U+FFFD', () => {
  assert.equal(statusDetails('all fine'), 'all fine');
  assert.equal(statusDetails('bad \ud800 news'), 'bad \ufffd news');
});

test('a long chain is cut in the middle, keeping both ends, and repeated cuts add up their counts', () => {
  const origin = 'svc999/A › f › nap: injected failure';
  let message = origin;
  for (let n = 200; n >= 1; n--) message = statusDetails(hop(n) + message);
  assert.ok(message.length <= MAX_STATUS_DETAILS, `capped (${message.length})`);
  assert.ok(message.startsWith(hop(1)), 'the outer end');
  assert.ok(message.endsWith(origin), 'the first failure in its own words');
  const marks = [...message.matchAll(/… (\d+) hops? cut …/g)];
  assert.equal(marks.length, 1, 'one mark');
  // A hop whose words are cut in part counts as cut.
  const kept = message.match(/: call to \S+\/A failed with /g)!.length;
  assert.equal(Number(marks[0][1]) + kept, 200, 'hops kept plus hops cut make the whole chain');
});

test('a cut never leaves half a surrogate pair', () => {
  const message = statusDetails('😀'.repeat(3_000));
  assert.ok((message as string & { isWellFormed(): boolean }).isWellFormed());
});
