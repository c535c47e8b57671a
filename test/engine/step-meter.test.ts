import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepMeter } from '../../src/engine';
import type { StatusName } from '../../src/common';
import { EngineUnderTest, methodA } from '../support/engine-under-test';

/** Records what the engine reports through its StepMeter port. */
function recordingMeter() {
  const steps: { kind: string; name: string; ms: number }[] = [];
  const injected: { step: string; code: StatusName; kind: string }[] = [];
  const meter: StepMeter = {
    stepEnded: (kind, name, ms) => void steps.push({ kind, name, ms }),
    failureInjected: (step, code, kind) => void injected.push({ step, code, kind }),
  };
  return { meter, steps, injected };
}

const unreachable = { service_address: 'http://127.0.0.1', service_port: '1', grpc_method: 'A' };

test('each injected failure is reported once, where it was decided: every injected attempt of a retried call, not again as the step fails', async () => {
  const { meter, injected } = recordingMeter();
  const retries = { max_attempts: 3, backoff_ms: 1, retry_on: ['UNAVAILABLE'] };
  const engine = new EngineUnderTest(methodA('checkout', { CallService: { tracing_name: 'reserve', ...unreachable, failure_chance: 1, retries } }), { meter });
  const outcome = await engine.request();
  assert.notEqual(outcome.code, 'OK');
  assert.equal(injected.length, 3, JSON.stringify(injected));
  for (const report of injected) assert.deepEqual({ step: report.step, code: report.code }, { step: 'reserve', code: 'UNAVAILABLE' });
});

test('a Sleep that failure_chance fails is reported with its failure_code; one that succeeds is not', async () => {
  const { meter, injected } = recordingMeter();
  const engine = new EngineUnderTest(
    methodA('serve', { Sleep: { tracing_name: 'fine', duration_ms: 1 } }, { Sleep: { tracing_name: 'doomed', duration_ms: 1, failure_chance: 1, failure_code: 'RESOURCE_EXHAUSTED' } }),
    { meter },
  );
  assert.equal((await engine.request()).code, 'RESOURCE_EXHAUSTED');
  assert.deepEqual(injected, [{ step: 'doomed', code: 'RESOURCE_EXHAUSTED', kind: 'failure_chance' }]);
});

test('every step reports its duration by kind and name, a failed one too', async () => {
  const { meter, steps } = recordingMeter();
  const engine = new EngineUnderTest(methodA('serve', { Sleep: { tracing_name: 'nap', duration_ms: 25 } }, { Sleep: { tracing_name: 'doomed', duration_ms: 5, failure_chance: 1 } }), { meter });
  await engine.request();
  assert.deepEqual(
    steps.map(({ kind, name }) => `${kind} ${name}`),
    ['Sleep nap', 'Sleep doomed', 'Function serve'],
  );
  assert.equal(steps[0].ms, 25, 'a sleep lasts its configured time on the virtual clock');
  assert.ok(steps[2].ms >= 30);
});
