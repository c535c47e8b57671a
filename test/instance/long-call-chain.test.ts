import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { callService, methodA, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';

const INTERNAL = 13;
const HOPS = 1_000;
after(() => closeClients());

test(`a chain of ${HOPS} hops answers the caller with a capped message that keeps both ends and marks the cut`, async () => {
  const receiver = await OtlpTraceReceiver.start();
  const port = await freePort();
  // Calls itself until THESPIAN_MAX_HOPS refuses; each hop adds about 95 characters to the message,
  // so uncapped it would pass the callers' metadata limit and no answer would ever arrive.
  const instance = await startInstance({
    env: { ...exportTo(receiver), PORT: String(port), SERVICE_NAME: 'looper', THESPIAN_MAX_HOPS: String(HOPS), OTEL_BSP_MAX_QUEUE_SIZE: '16384' },
    behaviour: methodA('loop', step(callService('call myself', port))),
  });
  try {
    const result = await callMethod(instance.address, 'A', { deadlineMs: 20_000 });
    assert.equal(result.code, INTERNAL, `an answer, not a hang: ${result.details.slice(0, 300)}`);
    assert.ok(encodeURI(result.details).length <= 2_048, `capped (${encodeURI(result.details).length} bytes in the grpc-message header)`);
    assert.match(result.details, /^looper\/A › loop › call myself: call to 127\.0\.0\.1:\d+\/A failed with INTERNAL: looper\/A › loop › call myself/, 'the outer end');
    assert.match(result.details, / … \d+ hops cut … /, 'the cut is marked');
    const cutHops = Number(/ … (\d+) hops cut … /.exec(result.details)![1]);
    assert.ok(cutHops > HOPS / 2 && cutHops < HOPS, `most hops are cut (${cutHops})`);
    assert.match(result.details, /refused: this request has passed through 1001 Thespians \(limit 1000, THESPIAN_MAX_HOPS\)[^…]*$/, 'the first failure in its own words');

    // The whole message a hop composed stays on the span where that hop's failure began.
    // Hops 0 to 1,000 call on; the next is refused.
    const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId && s.name === 'call myself').length >= HOPS + 1, 15_000);
    const exceptions = spans
      .filter((s) => s.traceId === result.traceId && s.name === 'call myself')
      .flatMap((s) => s.events.filter((e) => e.name === 'exception').map((e) => String(e.attributes['exception.message'])));
    assert.equal(exceptions.length, HOPS + 1, 'each hop records its failure once');
    assert.ok(exceptions.some((message) => encodeURI(message).length > 2_048), 'the exception events carry the message uncapped');
    assert.ok(exceptions.some((message) => /failed with FAILED_PRECONDITION: refused: this request has passed through 1001 Thespians/.test(message)), 'the innermost hop records the refusal');
  } finally {
    await instance.stop();
    await receiver.close();
  }
});
