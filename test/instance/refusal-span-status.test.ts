import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

const FAILED_PRECONDITION = 9;
after(() => closeClients());

test("a call refused by THESPIAN_MAX_HOPS has the refusal as its SERVER span's status message", async () => {
  const receiver = await OtlpTraceReceiver.start();
  const instance = await startInstance({
    env: { ...exportTo(receiver), SERVICE_NAME: 'guard', THESPIAN_MAX_HOPS: '3' },
    behaviour: methodA('work', step(sleep('nap', 1))),
  });
  try {
    const result = await callMethod(instance.address, 'A', { metadata: { 'x-thespian-hops': '9' }, deadlineMs: 10_000 });
    assert.equal(result.code, FAILED_PRECONDITION, result.details);
    assert.match(result.details, /^refused: this request has passed through 9 Thespians \(limit 3, THESPIAN_MAX_HOPS\)/);
    assert.ok(result.traceId, 'the answer names its trace');

    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === result.traceId && s.kind === 'SERVER'), 10_000);
    const server = spans.find((s) => s.traceId === result.traceId && s.kind === 'SERVER')!;
    assert.equal(server.status.code, 'ERROR');
    // Trace backends show this, not the caller's details: without it the refusal is a bare error there.
    assert.equal(server.status.message, result.details);
  } finally {
    await instance.stop();
    await receiver.close();
  }
});
