import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { once } from 'node:events';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { callService, methodA, step } from '../support/behaviours';

const INTERNAL = 13;
after(() => closeClients());

/**
 * A gRPC server that is not a Thespian and breaks the rules: it answers every call with a status
 * message that a well-behaved peer never sends — a lone UTF-16 surrogate, once percent-encoded as
 * its would-be UTF-8 bytes (decodeURI refuses them) and once as raw bytes in the header (which
 * grpc-js refuses as metadata).
 */
async function hostileServer(): Promise<{ port: number; close(): void }> {
  const server = http2.createServer();
  let calls = 0;
  server.on('stream', (stream) => {
    const raw = calls++ % 2 === 1;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () =>
      stream.sendTrailers({ 'grpc-status': '9', 'grpc-message': raw ? Buffer.from('lone \xed\xa0\x80 surrogate', 'latin1').toString('latin1') : 'lone %ED%A0%80 surrogate' }),
    );
    stream.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

test('a downstream whose status message holds a lone surrogate: the caller gets a well-formed answer, nothing on stderr, and the instance stays up', async () => {
  const hostile = await hostileServer();
  const instance = await startInstance({ behaviour: methodA('work', step(callService('ask the stranger', hostile.port))) });
  try {
    for (let round = 0; round < 4; round++) {
      const result = await callMethod(instance.address, 'A', { deadlineMs: 10_000 });
      assert.equal(result.code, INTERNAL, `round ${round}: ${result.details}`);
      assert.match(result.details, /ask the stranger: call to 127\.0\.0\.1:\d+\/A failed with FAILED_PRECONDITION/);
      assert.ok((result.details as string & { isWellFormed(): boolean }).isWellFormed(), 'the answer is well-formed');
    }
    assert.equal(instance.child.exitCode, null, 'the instance is still running');
    const failures = instance.logs.filter((line) => line.level === 'error');
    assert.equal(failures.length, 4, 'each failure is logged once');
    assert.equal(instance.stderr(), '', 'grpc-js wrote nothing to stderr');
    const { code } = await instance.stop();
    assert.equal(code, 0);
  } finally {
    hostile.close();
  }
});
