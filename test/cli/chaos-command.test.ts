// `thespian chaos inject|clear|list` against a real instance's admin API, and each of its
// failures as a user meets it: one line on stderr and the exit status.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod, closeClients, runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { freePorts } from '../../src/ensemble/free-ports';
import { methodA, sleep, step } from '../support/behaviours';

const TOKEN = 'cli-test-token-0123456789';
const UNAVAILABLE = 14;
let on: InstanceProcess;
let off: InstanceProcess;

before(async () => {
  const behaviour = methodA('checkout', step(sleep('charge card', 1)));
  [on, off] = await Promise.all([
    startInstance({ behaviour, env: { THESPIAN_ADMIN_TOKEN: TOKEN, SERVICE_NAME: 'shop' } }),
    startInstance({ behaviour, env: { SERVICE_NAME: 'shop' } }),
  ]);
});

after(async () => {
  closeClients();
  await Promise.all([on.stop(), off.stop()]);
});

const chaos = (args: string[], token: string | null = TOKEN) => runToExit(token === null ? {} : { THESPIAN_ADMIN_TOKEN: token }, ['chaos', ...args]);

test('inject prints an id, list shows the incident, clear ends it', async () => {
  const injected = await chaos(['inject', on.address, '--failure-chance', '100%', '--failure-code', 'unavailable', '--step', 'charge card', '--for', '10m', '--name', 'card down']);
  assert.equal(injected.code, 0, injected.stderr);
  const id = injected.stdout.trim();
  assert.match(id, /^inc-\d+$/);
  assert.equal((await callMethod(on.address, 'A')).code, UNAVAILABLE);

  const listed = await chaos(['list', on.address]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^shop: 1 incident\\n${id}  card down  A, B, C › charge card: fails UNAVAILABLE 1  .+ left\\n$`));

  const cleared = await chaos(['clear', on.address, id]);
  assert.deepEqual([cleared.code, cleared.stdout], [0, 'cleared 1 incident\n']);
  assert.equal((await callMethod(on.address, 'A')).code, 0);
  assert.equal((await chaos(['list', on.address])).stdout, 'shop: no incidents\n');
});

test('a latency incident on every Sleep, cleared with no id', async () => {
  const injected = await chaos(['inject', on.address, '--latency-factor', '2', '--extra-latency-ms', '5', '--for', '30s']);
  assert.equal(injected.code, 0, injected.stderr);
  assert.equal((await callMethod(on.address, 'A')).code, 0);
  assert.deepEqual((await chaos(['clear', on.address])).stdout, 'cleared 1 incident\n');
});

test('each failure is one clear line: wrong token, admin off, unreachable, unknown step, bad flags', async () => {
  const wrong = await chaos(['list', on.address], 'a-wrong-token-of-enough-length');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /thespian chaos list: 127\.0\.0\.1:\d+: admin API refused: wrong token, or THESPIAN_ADMIN_TOKEN not set on the instance\n$/);
  const adminOff = await chaos(['list', off.address]);
  assert.equal(adminOff.code, 1);
  assert.equal(adminOff.stderr.replace(String(off.port), 'PORT'), wrong.stderr.replace(String(on.port), 'PORT'), 'the same line whether the token is wrong or the API off');

  const [freePort] = await freePorts(1);
  const unreachable = await chaos(['list', `127.0.0.1:${freePort}`]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach the instance \(.*ECONNREFUSED.*\)\. Is a Thespian listening there\?\n$/);

  const unknownStep = await chaos(['inject', on.address, '--failure-chance', '1', '--step', 'charge crad', '--for', '5s']);
  assert.equal(unknownStep.code, 1);
  assert.match(unknownStep.stderr, /the instance refused the incident:\nstep: "charge crad" is not a Sleep of "shop" \(did you mean "charge card"\?\)/);
  assert.equal((await callMethod(on.address, 'A')).code, 0, 'nothing was injected');

  const badFlags = await chaos(['inject', on.address, '--failure-chance', '1.5', '--failure-code', 'NOPE', '--for', '25h']);
  assert.equal(badFlags.code, 2);
  assert.match(badFlags.stderr, /--failure-chance must be a chance from 0 to 1.*\n--failure-code must be a gRPC status name.*\n--for at most 24h/);
  const noFor = await chaos(['inject', on.address, '--failure-chance', '1']);
  assert.equal(noFor.code, 2);
  assert.match(noFor.stderr, /--for is needed: every incident has an end/);
  const noToken = await chaos(['list', on.address], null);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /THESPIAN_ADMIN_TOKEN: not set/);
  const unknown = await chaos(['restart', on.address]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown chaos command "restart"; expected inject, clear, list or run/);
});
