import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { callService, sleep, step } from '../support/behaviours';

after(() => closeClients());

test("an error grpc-js reports and we do not (an unparsable grpc_proxy) is a warn line in our log, not hidden at debug", async () => {
  const port = await freePort();
  const instance = await startInstance({
    // grpc-js reads grpc_proxy when the instance opens its channel to the callee, says it cannot
    // parse it, and calls directly.
    env: { PORT: String(port), SERVICE_NAME: 'proxied', grpc_proxy: '::not a url' },
    behaviour: {
      grpc_method_a: { tracing_name: 'front', operations: [step(callService('to B', port, 'B'))] },
      grpc_method_b: { tracing_name: 'back', operations: [step(sleep('nap', 1))] },
      grpc_method_c: null,
    },
  });
  try {
    const result = await callMethod(instance.address, 'A', { deadlineMs: 10_000 });
    assert.equal(result.code, 0, result.details);
    const [line] = await instance.waitForLines((l) => typeof l.message === 'string' && l.message.includes('cannot parse value of "grpc_proxy"'), 1, 5_000);
    assert.equal(line.level, 'warn');
    assert.equal(line.message, 'grpc-js: cannot parse value of "grpc_proxy" env var');
    assert.equal(instance.stderr(), '', 'nothing on stderr');
  } finally {
    await instance.stop();
  }
});
