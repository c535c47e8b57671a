/**
 * An instance listens on every interface of both families by default (dual-stack `::`), so a
 * probe over IPv6 or IPv4 finds it; BIND_ADDRESS narrows that to one address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit, startInstance } from '../support/instance-process';
import { checkHealth } from '../support/health-check';
import { methodA, sleep, step } from '../support/behaviours';

const BEHAVIOUR = methodA('work', step(sleep('nap', 1)));

test('by default health answers over [::1] and over 127.0.0.1 alike', async () => {
  const instance = await startInstance({ behaviour: BEHAVIOUR });
  try {
    assert.equal(await checkHealth(`[::1]:${instance.port}`), 'SERVING', 'over IPv6 loopback');
    assert.equal(await checkHealth(`127.0.0.1:${instance.port}`), 'SERVING', 'over IPv4 loopback');
    const listening = instance.logs.find((line) => String(line.message).startsWith('listening'));
    assert.equal(listening?.bind_address, '::', 'the listening line says where it listens');
  } finally {
    await instance.stop();
  }
});

test('BIND_ADDRESS=127.0.0.1 listens there only; BIND_ADDRESS=::1 likewise over IPv6', async () => {
  const v4 = await startInstance({ behaviour: BEHAVIOUR, env: { BIND_ADDRESS: '127.0.0.1' } });
  try {
    assert.equal(await checkHealth(`127.0.0.1:${v4.port}`), 'SERVING');
    assert.match(await checkHealth(`[::1]:${v4.port}`), /^error UNAVAILABLE/, 'not over IPv6');
  } finally {
    await v4.stop();
  }
  const v6 = await startInstance({ behaviour: BEHAVIOUR, env: { BIND_ADDRESS: '[::1]' } });
  try {
    assert.equal(await checkHealth(`[::1]:${v6.port}`), 'SERVING');
    assert.match(await checkHealth(`127.0.0.1:${v6.port}`), /^error UNAVAILABLE/, 'not over IPv4');
  } finally {
    await v6.stop();
  }
});

test('a BIND_ADDRESS that is not an IP address exits 2 and says so', async () => {
  const run = await runToExit({ BIND_ADDRESS: 'localhost:80', CONFIG_JSON: JSON.stringify(BEHAVIOUR) });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^BIND_ADDRESS: must be an IP address to listen on, such as 0\.0\.0\.0, ::, 127\.0\.0\.1 or ::1 \(got "localhost:80"\)$/m);
});
