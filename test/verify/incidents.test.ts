import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyResult } from '../../src/verify';
import { runToExit } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';
import { shopTopology, startFixture, startStack, type Stack } from './verify-helpers';

/**
 * `thespian verify` of a topology with an incident, against real instances that have the admin
 * API on: verify plays the schedule itself while it sends, and reports the requests sent inside
 * the window against the prediction inside it (back's card network fails every time) and the
 * rest against the baseline (nothing fails). Both sides are certain, so the comparison cannot
 * be lucky or unlucky; what can break it is a window put in effect at the wrong time or not at all.
 */
const TOKEN = 'verify-incident-token-0123456789';
let stack: Stack;

function withIncident(ports: { front: number; back: number }): object {
  const topology = shopTopology(ports) as any;
  // No failure of its own: outside the window nothing fails.
  topology.services.back.behaviour.grpc_method_a.operations[1].Action.Sleep.failure_chance = 0;
  topology.incidents = [{ name: 'card network down', at: '1s', for: '2s', service: 'back', method: 'A', step: 'card network', failure_chance: 1, failure_code: 'UNAVAILABLE' }];
  return topology;
}

before(async () => {
  stack = await startStack({ topology: withIncident, env: { THESPIAN_ADMIN_TOKEN: TOKEN } });
});

after(async () => {
  await stack?.close();
});

async function verify(env: Record<string, string>, extra: string[]) {
  const fixture = await startFixture('tempo', stack);
  const json = join(tempDir(), 'result.json');
  try {
    const run = await runToExit(env, ['verify', '--topology', stack.topologyPath, '--tempo', fixture.url, '--json', json, ...extra], 60_000);
    // exit 1 is also "nothing could be checked", which writes no report.
    const text = (run.code === 0 || run.code === 1) && existsSync(json) ? readFileSync(json, 'utf8') : '';
    const result = text ? (JSON.parse(text) as VerifyResult) : undefined;
    return { ...run, result };
  } finally {
    await fixture.close();
  }
}

test('verify plays the incident while it sends: inside the window every request fails as predicted, outside none, and the failures are the incident\'s', async () => {
  // 20 requests at 20/s would be over in a second, before the window (1 s to 3 s) has ended.
  const run = await verify({ THESPIAN_ADMIN_TOKEN: TOKEN }, ['--requests', '20', '--rate', '20']);
  assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.ok(run.result, run.stderr);
  const incidents = run.result!.incidents!;
  // first pass ends at 3 s, and two seconds of baseline after it: 5 s at 20/s.
  assert.deepEqual(incidents.extended, { asked: 20, sent: 100, durationS: 5 });
  assert.equal(run.result!.requests.sent, 100);
  assert.match(run.stdout, /^ {2}100 requests over [\d.]+ s, to cover the incidents' first windows \(--requests 20 would have ended sooner\)/m);
  // Said before sending, so that a person knows how long it will take.
  assert.match(run.stderr, /^verify will send 100 requests over 5 s, not the 20 of --requests, to cover the incidents' first windows and 2 s after\nsending 100 requests to front\/A/m);
  assert.match(run.stderr, /^\+0:01\.\d {2}incident "card network down" started on back \(A › card network: fails UNAVAILABLE 1\) for 2 s, until \+0:03\.0$/m);

  assert.equal(incidents.windows.length, 1);
  const [window] = incidents.windows;
  assert.equal(window.play, 'played');
  assert.deepEqual([window.startMs, window.endMs], [1000, 3000]);
  // 1.25 s to 2.75 s at 20/s: about 30 requests (the sender's timers decide the last one or two).
  assert.ok(window.rate.requests >= 25 && window.rate.requests <= 31, `${window.rate.requests} requests in the window`);
  assert.equal(window.rate.predicted, 1);
  assert.equal(window.rate.failed, window.rate.requests, 'every request inside the window failed');
  assert.equal(window.rate.consistent, true);
  assert.equal(window.failedTraced, window.rate.failed);
  assert.equal(window.failedAtIncident, window.failedTraced, "each failure began at the span that names the incident");

  assert.equal(incidents.outside.predicted, 0);
  assert.equal(incidents.outside.failed, 0, 'nothing failed outside the window');
  assert.ok(incidents.outside.requests >= 45, `${incidents.outside.requests} requests outside`);
  assert.equal(incidents.outside.consistent, true);
  assert.ok(incidents.edge >= 15 && incidents.edge <= 25, `${incidents.edge} requests within 250 ms of an edge`);
  assert.equal(window.rate.requests + incidents.outside.requests + incidents.edge, 100);

  assert.match(run.stdout, /^ {2}✓ incidents +1 window played; failure rates consistent inside and outside \(see below\)$/m);
  assert.match(run.stdout, /^Incident windows \(from the start of traffic; 95% Wilson interval; \d+ requests sent within 250 ms of a window's edge left out\)$/m);
  assert.match(run.stdout, /^ {2}✓ "card network down" #1 \+1\.0 s–\+3\.0 s +\d+ requests {2}predicted +100% {2}observed +100% \(\d+\/\d+\) {2}CI [\d.]+%–100%; failed at the incident's span: (\d+)\/\1 traced$/m);
  assert.match(run.stdout, /^ {2}✓ outside all windows +\d+ requests {2}predicted +0% {2}observed +0% \(0\/\d+\)/m);
  assert.match(run.stdout, /^PASS: nothing lost/m);
  // Over all requests too, each is held against the prediction for when it was sent.
  assert.equal(run.result!.failureRates.all.consistent, true, JSON.stringify(run.result!.failureRates.all));
});

test('--no-incidents checks without the schedule: the window is reported as not played', async () => {
  const run = await verify({}, ['--requests', '50', '--rate', '20', '--no-incidents']);
  assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const incidents = run.result!.incidents!;
  assert.equal(incidents.extended, undefined, 'not played: no need to send for longer');
  assert.equal(run.result!.requests.sent, 50);
  assert.equal(incidents.windows[0].play, 'not played');
  assert.equal(incidents.windows[0].rate.failed, 0, 'nothing was injected');
  assert.equal(run.result!.failureRates.all.failed, 0);
  assert.match(run.stdout, /^ {2}- "card network down" #1 \+1\.0 s–\+3\.0 s +not played \(\d+ requests sent in it, 0% failed\)$/m);
  assert.match(run.stdout, /^ {2}- incidents +not played \(1 window during sending; see below\)$/m);
});

test('without THESPIAN_ADMIN_TOKEN verify refuses to start (exit 2) and says what to do', async () => {
  const missing = await runToExit({}, ['verify', '--topology', stack.topologyPath, '--tempo', 'http://127.0.0.1:9', '--requests', '1'], 30_000);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /verify-shop has incidents: verify plays them through the instances' admin API, sending THESPIAN_ADMIN_TOKEN \(the instances' own\), which is not set$/m);
  assert.match(missing.stderr, /^or give --no-incidents to check without them$/m);
  assert.ok(!missing.stderr.includes('    at '), 'no stack trace');

  const short = await runToExit({ THESPIAN_ADMIN_TOKEN: 'short' }, ['verify', '--topology', stack.topologyPath, '--tempo', 'http://127.0.0.1:9', '--requests', '1'], 30_000);
  assert.equal(short.code, 2, short.stderr);
  assert.match(short.stderr, /^THESPIAN_ADMIN_TOKEN: must be 16 to 4096 characters \(got 5\)/m);

  // A wrong token is said before anything is sent (exit 1, as when nothing could be checked), one line per instance.
  const wrong = await verify({ THESPIAN_ADMIN_TOKEN: 'not-the-instances-token-at-all' }, ['--requests', '70', '--rate', '20']);
  assert.equal(wrong.code, 1, `${wrong.stdout}\n${wrong.stderr}`);
  assert.match(wrong.stderr, /^thespian verify: the instances' admin API did not answer as it must to play the incidents \(give --no-incidents to check without them\):$/m);
  assert.match(wrong.stderr, /^back 127\.0\.0\.1:\d+: admin API refused: wrong token/m);
  assert.doesNotMatch(wrong.stderr, /sending \d+ requests/, 'nothing was sent');
});
