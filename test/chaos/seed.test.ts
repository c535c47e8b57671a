import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceivedSpan } from '../../src/collector';
import { callMethod } from '../support/instance-process';
import { behaviour, callTo, chaosFixture, fn, type Fixture } from './chaos-fixtures';

let fixture: Fixture;

before(async () => {
  fixture = await chaosFixture();
});

after(() => fixture.close());

const REQUESTS = 12;
const SPANS_PER_REQUEST = 15;

/** Both the upstream and the downstream draw latencies and roll failures, concurrently within each request. */
const DOWNSTREAM = behaviour(
  fn('stock', {
    ConcurrentActions: [
      { Sleep: { tracing_name: 'read', duration: { LogNormal: { median_ms: 5, p99_ms: 30 } }, failure_chance: 0.3 } },
      { Sleep: { tracing_name: 'lock', duration: { Exponential: { mean_ms: 5 } }, failure_chance: 0.2, failure_code: 'ABORTED' } },
    ],
  }),
);

function upstream(downstreamPort: number): object {
  return behaviour(
    fn('checkout', {
      // Two concurrent calls to the same method of the same instance: their arrival order varies from run to run.
      ConcurrentActions: [
        { CallService: { tracing_name: 'left', ...callTo(downstreamPort), failure_code: 'PROPAGATE' } },
        { CallService: { tracing_name: 'right', ...callTo(downstreamPort), failure_code: 'PROPAGATE' } },
        { Sleep: { tracing_name: 'price', duration: { Normal: { mean_ms: 6, stddev_ms: 4 } }, failure_chance: 0.2 } },
      ],
    }),
  );
}

/** What a run drew, per request: the answer and every step's draw, roll and status, placed by the upstream branch it served. */
async function run(label: string, seeds: { up: string; down: string }): Promise<{ code: number; steps: string[] }[]> {
  const down = await fixture.start(`stock-${label}`, DOWNSTREAM, { THESPIAN_SEED: seeds.down });
  const up = await fixture.start(`shop-${label}`, upstream(down.port), { THESPIAN_SEED: seeds.up });
  const results = [];
  for (let i = 0; i < REQUESTS; i++) results.push(await callMethod(up.address, 'A'));
  const ids = new Set(results.map((result) => result.traceId));
  const all = await fixture.receiver.waitFor((spans) => spans.filter((span) => ids.has(span.traceId)).length >= REQUESTS * SPANS_PER_REQUEST, 15_000);
  await Promise.all([up.stop(), down.stop()]);
  return results.map((result) => ({ code: result.code, steps: describeSteps(all.filter((span) => span.traceId === result.traceId)) }));
}

function describeSteps(spans: ReceivedSpan[]): string[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const branchOf = (span: ReceivedSpan): string => {
    for (let at: ReceivedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) {
      if (at.attributes['thespian.kind'] === 'CallService') return at.name;
    }
    return '-';
  };
  return spans
    .filter((span) => span.attributes['thespian.kind'] !== undefined)
    .map((span) => {
      const role = span.service.split('-')[0];
      const drawn = span.attributes['thespian.duration_ms'];
      const roll = span.attributes['thespian.roll'];
      return `${role} ${branchOf(span)} ${span.name} drew=${drawn ?? '-'} roll=${roll ?? '-'} ${span.status.code}`;
    })
    .sort();
}

test('THESPIAN_SEED: fresh processes given the same requests draw the same latencies and rolls, despite concurrency', async () => {
  // Run side by side: timing differs between the pairs (two cores, three pairs), the draws must not.
  const [first, second, otherSeed] = await Promise.all([run('1', { up: '5', down: '11' }), run('2', { up: '5', down: '11' }), run('3', { up: '6', down: '11' })]);
  assert.deepEqual(second, first, 'the second pair of processes repeated the first exactly');

  // The runs are not trivially equal: outcomes vary between requests and the two branches draw differently.
  assert.ok(new Set(first.map((outcome) => outcome.code)).size > 1, `answers vary: ${first.map((o) => o.code).join(',')}`);
  const downstreamDraws = (outcome: { steps: string[] }, branch: string) =>
    outcome.steps.filter((step) => step.startsWith(`stock ${branch} read`)).map((step) => step.split(' ')[3]);
  assert.ok(first.some((outcome) => downstreamDraws(outcome, 'left').join() !== downstreamDraws(outcome, 'right').join()), 'the two calls draw from different streams');

  assert.notDeepEqual(otherSeed, first, 'another seed draws differently');
});
