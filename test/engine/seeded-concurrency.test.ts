import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseBehaviour } from '../../src/config';
import { createPerformer, seededRandom, type CallOptions, type Caller, type Clock } from '../../src/engine';

/**
 * Drives the engine directly, with a clock that makes concurrent sleeps finish in an order the
 * test chooses. Whatever that order, a seeded engine must draw the same numbers for the same step.
 */
const CONFIG = JSON.stringify({
  grpc_method_a: {
    tracing_name: 'fan out',
    operations: [
      {
        ConcurrentActions: [
          { Sleep: { tracing_name: 'a', duration: { Uniform: { min_ms: 1, max_ms: 9 } }, failure_chance: 0.001 } },
          { Sleep: { tracing_name: 'b', duration: { Exponential: { mean_ms: 5 } }, failure_chance: 0.001 } },
          { Sleep: { tracing_name: 'c', duration_ms: 5, failure_chance: 0.001 } },
          { CallService: { tracing_name: 'd', service_address: 'x', service_port: 1, grpc_method: 'B', failure_chance: 0.001, retries: { max_attempts: 2, backoff_ms: 0 } } },
        ],
      },
    ],
  },
  grpc_method_b: null,
  grpc_method_c: null,
});

const silent = { info() {}, warn() {}, error() {} };

/** Real timers, but each sleep's real wait is chosen by `order`: the same draws may finish in any order. */
function orderedClock(order: (ms: number) => number): Clock {
  return {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(performance.now()), order(ms))),
  };
}

async function perform(order: (ms: number) => number, requests: number) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const keys: string[] = [];
  const caller: Caller = {
    async call(_target, options: CallOptions) {
      keys.push(options.randomKey ?? 'none');
    },
  };
  const performer = createPerformer({
    behaviour: parseBehaviour(CONFIG, 'test', { allowComments: false }),
    serviceName: 'fan',
    tracer: provider.getTracer('test'),
    caller,
    random: seededRandom(99),
    clock: orderedClock(order),
    log: silent,
  });
  for (let i = 0; i < requests; i++) await performer('A', { signal: new AbortController().signal, hops: 0 });
  const steps = exporter
    .getFinishedSpans()
    .filter((span) => span.name !== 'fan out')
    .map((span) => `${span.name} drew=${span.attributes['thespian.duration_ms'] ?? '-'} roll=${span.attributes['thespian.roll']}`);
  await provider.shutdown();
  return { steps: steps.sort(), keys: keys.sort() };
}

test('concurrent steps draw the same numbers whichever finishes first', async () => {
  const inOrder = await perform((ms) => ms, 5);
  const reversed = await perform((ms) => 20 - ms, 5);
  assert.equal(inOrder.steps.length, 20);
  assert.deepEqual(reversed, inOrder);
  assert.equal(new Set(inOrder.keys).size, 5, 'each request sends the downstream a different random key');
  assert.ok(inOrder.keys.every((key) => /^[0-9a-f]{8}$/.test(key)));
});
