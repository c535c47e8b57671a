import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { freePort } from '../support/free-port';
import { callService, step } from '../support/behaviours';

const INTERNAL = 13;
/** The longest failure_message the config takes (STRING_LIMITS.statusMessage). */
const LONGEST_MESSAGE = 1_024;
/** Step names near the longest allowed (STRING_LIMITS.name). */
const NAME_LENGTH = 250;
after(() => closeClients());

// Each of these characters takes 9 bytes (emoji: 12) in the grpc-message header, where grpc-js
// sends encodeURI(message). Capped in characters, the answer of A here took 17 KB of header: a
// grpc-js caller (64 KB limit) still reads it, a caller with gRPC C-core's or Java's 8 KB limit
// never gets an answer.
for (const [name, unit] of [['CJK', '失'], ['emoji', '🔥']] as const) {
  test(`a ${name} failure_message of the longest length allowed answers the caller, directly and through a chain of self-calls`, async () => {
    const port = await freePort();
    const failure = unit.repeat(LONGEST_MESSAGE);
    // Names in the same script fill the outer end too, as a team naming its steps in its own language would.
    const named = (n: number) => `${n} ${unit.repeat(NAME_LENGTH / unit.length)}`;
    const instance = await startInstance({
      env: { PORT: String(port), SERVICE_NAME: 'teller' },
      behaviour: {
        grpc_method_a: { tracing_name: named(1), operations: [step(callService(named(2), port, 'B'))] },
        grpc_method_b: { tracing_name: named(3), operations: [step(callService(named(4), port, 'C'))] },
        grpc_method_c: { tracing_name: 'last', operations: [step({ Sleep: { tracing_name: 'says no', duration_ms: 1, failure_chance: 1, failure_message: failure } })] },
      },
    });
    try {
      for (const method of ['A', 'C'] as const) {
        // A deadline, so that a lost answer fails the test instead of hanging it.
        const result = await callMethod(instance.address, method, { deadlineMs: 10_000 });
        assert.equal(result.code, INTERNAL, `${method}: an answer, not a hang: ${result.code} ${result.details.slice(0, 200)}`);
        assert.ok(encodeURI(result.details).length <= 2_048, `${method}: capped (${encodeURI(result.details).length} bytes in the header)`);
        assert.match(result.details, / … \d+ hops? cut … /, `${method}: the cut is marked`);
        assert.ok(result.details.endsWith(unit.repeat(50)), `${method}: the failure's own words end the message`);
        const outerEnd = `${method === 'A' ? 'teller/A › 1 ' : ''}${unit.repeat(20)}`;
        assert.ok(result.details.startsWith(outerEnd), `${method}: the outer end kept: ${result.details.slice(0, 40)}`);
      }
    } finally {
      await instance.stop();
    }
  });
}
