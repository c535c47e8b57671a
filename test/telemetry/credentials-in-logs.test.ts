import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { LokiPushReceiver } from '../../src/collector';
import { closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

after(() => closeClients());

// winston-loki takes basic auth from the address (https://user:password@host); the delivery
// warnings name that address on stdout and in Loki itself, so they must not carry the password.
test('a LOKI_ADDRESS with a user and password is named in log lines without them', async () => {
  const loki = await LokiPushReceiver.start({ failWithStatus: 500 });
  const address = loki.endpoint.replace('http://', 'http://tenant:s3cr3t@');
  const instance = await startInstance({ env: { LOKI_ADDRESS: address }, behaviour: methodA('work', step(sleep('nap', 1))) });
  try {
    const hidden = loki.endpoint.replace('http://', 'http://***@');
    const [warning] = await instance.waitForLines((line) => line.level === 'warn' && String(line.message).startsWith('Loki push to '), 1, 10_000);
    assert.equal(warning.endpoint, hidden);
    assert.match(String(warning.message), new RegExp(`^Loki push to ${hidden.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is failing`));
    await instance.stop();
    const everything = JSON.stringify(instance.logs) + instance.stderr();
    assert.ok(!everything.includes('s3cr3t'), `no line shows the password:\n${instance.logs.map((line) => JSON.stringify(line)).join('\n')}`);
  } finally {
    await instance.stop();
    await loki.close();
  }
});
