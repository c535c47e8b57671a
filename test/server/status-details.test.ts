import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopMark } from '../../src/engine/actions/call-service';
import { MAX_STATUS_BYTES, statusDetails } from '../../src/server/status-details';

const hop = (n: number) => `svc${n}/A › f › call${hopMark('127.0.0.1:7000', 'A', 'INTERNAL')}`;
/** What the message takes in the grpc-message header, as grpc-js sends it. */
const headerBytes = (text: string) => encodeURI(text).length;
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

test('a short message is sent as it is; a lone surrogate becomes U+FFFD', () => {
  assert.equal(statusDetails('all fine'), 'all fine');
  assert.equal(statusDetails('bad \ud800 news'), 'bad \ufffd news');
});

test('a long chain is cut in the middle, keeping both ends, and repeated cuts add up their counts', () => {
  const origin = 'svc999/A › f › nap: injected failure';
  let message = origin;
  for (let n = 200; n >= 1; n--) message = statusDetails(hop(n) + message);
  assert.ok(headerBytes(message) <= MAX_STATUS_BYTES, `capped (${headerBytes(message)} bytes)`);
  assert.ok(message.startsWith(hop(1)), 'the outer end');
  assert.ok(message.endsWith(origin), 'the first failure in its own words');
  const marks = [...message.matchAll(/… (\d+) hops? cut …/g)];
  assert.equal(marks.length, 1, 'one mark');
  // A hop whose words are cut in part counts as cut.
  const kept = message.match(/: call to \S+\/A failed with INTERNAL: /g)!.length;
  assert.equal(Number(marks[0][1]) + kept, 200, 'hops kept plus hops cut make the whole chain');
});

test('the cap bounds the header grpc-js sends, not the characters: non-ASCII text is cut to fit', () => {
  for (const [name, unit] of [['CJK', '错'], ['emoji', '😀'], ['spaces', ' ']] as const) {
    const origin = `svc9/A › f › nap: ${unit.repeat(1_000)}`;
    let message = statusDetails(origin);
    assert.ok(headerBytes(message) <= MAX_STATUS_BYTES, `${name}, one hop: ${headerBytes(message)} bytes`);
    assert.ok(isWellFormed(message), `${name}: no half surrogate pair`);
    assert.ok(message.startsWith('svc9/A › f › nap: '), `${name}: the outer end`);
    assert.ok(message.endsWith(unit.repeat(50)), `${name}: the inner end`);
    assert.match(message, /… 0 hops cut …/, `${name}: the cut is marked`);
    for (let n = 8; n >= 1; n--) message = statusDetails(hop(n) + message);
    assert.ok(headerBytes(message) <= MAX_STATUS_BYTES, `${name}, nine hops: ${headerBytes(message)} bytes`);
    assert.ok(message.startsWith(hop(1)), `${name}: the outer hop kept`);
    assert.ok(message.endsWith(unit.repeat(50)), `${name}: the first failure's own words kept`);
  }
});

test('a cut never leaves half a surrogate pair', () => {
  for (const prefix of ['', 'x', 'xy']) {
    const message = statusDetails(prefix + '😀'.repeat(3_000));
    assert.ok(isWellFormed(message), `after ${prefix.length} ASCII characters`);
    assert.ok(headerBytes(message) <= MAX_STATUS_BYTES);
  }
});
