/**
 * The server's stand-in for an AbortController: what the engine's steps rely on when a caller
 * cancels or shutdown cuts a call (each listener told once, with the reason; none told twice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallCancellation } from '../../src/server/call-cancellation';
import { prepareSystemClock } from '../../src/engine';

test('an abort tells each listener still there once, and the reason is kept', () => {
  const cancellation = new CallCancellation();
  const heard: string[] = [];
  const removed = () => heard.push('removed');
  cancellation.addEventListener('abort', () => heard.push('one'));
  cancellation.addEventListener('abort', removed);
  cancellation.addEventListener('abort', () => heard.push('two'));
  cancellation.removeEventListener('abort', removed);
  assert.equal(cancellation.aborted, false);
  cancellation.abort('the caller cancelled');
  cancellation.abort('again');
  assert.deepEqual(heard, ['one', 'two']);
  assert.equal(cancellation.aborted, true);
  assert.equal(cancellation.reason, 'the caller cancelled');
  cancellation.addEventListener('abort', () => heard.push('late'));
  assert.deepEqual(heard, ['one', 'two'], 'a listener added after the abort is never called');
});

test('a sleep on the real clock ends with the reason when its call is cancelled', async () => {
  const { clock } = await prepareSystemClock();
  const cancellation = new CallCancellation();
  const sleeping = clock.sleep(60_000, cancellation);
  const reason = new Error('the caller cancelled the request');
  setImmediate(() => cancellation.abort(reason));
  await assert.rejects(sleeping, (error) => error === reason);
});
