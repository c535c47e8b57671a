import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit } from '../support/instance-process';
import { tempDir, writeJson } from '../up/up-helpers';

/** `thespian predict` as a user runs it: the bundled examples, --json, and bad input. */

test('the bundled shop: exact failure probability, span count and critical path of each entry point', async () => {
  const run = await runToExit({}, ['predict', 'ecosystem', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const { predictions } = JSON.parse(run.stdout) as { predictions: any[] };
  assert.deepEqual(predictions.map((p) => p.endpoint), ['frontend/A', 'frontend/B']);
  const [checkout, product] = predictions;
  // decrement stock 2%, call card network 5%, write order row 1%: all answered INTERNAL upstream.
  assert.ok(Math.abs(checkout.failure.probability - (1 - 0.98 * 0.95 * 0.99)) < 1e-12);
  assert.deepEqual(Object.keys(checkout.failure.by_code), ['INTERNAL']);
  assert.equal(checkout.failure.exact, true);
  assert.equal(checkout.spans.success, 36);
  // 5 + max(catalog 20+3, cart 7+6) + orders (10+5 + max(20,5)+50 + 12) + 6
  assert.equal(checkout.latency_ms.success.fixedMs, 131);
  assert.equal(product.failure.probability, 0);
  assert.equal(product.spans.success, 10);
  const byService = (p: any) => Object.fromEntries(p.spans.by_span.filter((s: any) => s.kind === 'SERVER').map((s: any) => [`${s.service} ${s.name}`, s.count]));
  assert.deepEqual(byService(checkout), {
    'frontend grpc.thespian.Thespian/A': 1,
    'catalog grpc.thespian.Thespian/A': 1,
    'cart grpc.thespian.Thespian/A': 1,
    'catalog grpc.thespian.Thespian/B': 1,
    'orders grpc.thespian.Thespian/A': 1,
    'payments grpc.thespian.Thespian/A': 1,
  });
});

test('the text output: summary, tree with services and concurrency, notes', async () => {
  const run = await runToExit({}, ['predict', 'ecosystem', '--entry', 'frontend.A']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^frontend\/A {2}"GET \/checkout"$/m);
  assert.match(run.stdout, /^ {2}fails {7}7\.83% of requests \(exact\): INTERNAL 7\.83%$/m);
  assert.match(run.stdout, /^ {2}spans {7}36 when it succeeds/m);
  assert.match(run.stdout, /^ {2}latency {5}131ms when it succeeds \(critical path, exact\)/m);
  assert.match(run.stdout, /^ {2}payments .*SERVER grpc\.thespian\.Thespian\/A +5\.00%$/m);
  assert.match(run.stdout, /∥ load products .*CallService → catalog\/A/);
  assert.match(run.stdout, /^Notes$/m);
});

test('retries, timeouts and distributions: a seeded Monte Carlo repeats exactly', async () => {
  const first = await runToExit({}, ['predict', 'chaos_checkout', '--entry', 'A', '--json', '--samples', '5000', '--seed', '3']);
  const second = await runToExit({}, ['predict', 'chaos_checkout', '--entry', 'A', '--json', '--samples', '5000', '--seed', '3']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, second.stdout);
  const [prediction] = (JSON.parse(first.stdout) as { predictions: any[] }).predictions;
  assert.equal(prediction.latency_ms.all.method, 'monte-carlo');
  assert.equal(prediction.failure.exact, true, 'the callee is one LogNormal plus fixed steps: its timeout chance has a closed form');
  assert.ok(prediction.failure.by_code.FAILED_PRECONDITION > 0, 'PROPAGATE passes the card decline on');
  assert.ok(prediction.spans.mean > prediction.spans.success, 'retries add spans on average');
});

test('--json gives each note as its kind (estimate or assumption) and its text', async () => {
  const run = await runToExit({}, ['predict', 'deep_chain', '--json', '--samples', '2000']);
  assert.equal(run.code, 0, run.stderr);
  const [edge] = (JSON.parse(run.stdout) as { predictions: any[] }).predictions;
  for (const note of edge.notes) assert.deepEqual(Object.keys(note), ['kind', 'text']);
  assert.deepEqual([...new Set(edge.notes.map((note: any) => note.kind))].sort(), ['assumption', 'estimate']);
});

test('bad input: one line per problem, exit 2', async () => {
  const dir = tempDir();
  const cycle = writeJson(dir, 'cycle.json', {
    services: {
      ping: { behaviour: { grpc_method_a: { tracing_name: 'ping', operations: [{ Action: { CallService: { service: 'pong', grpc_method: 'A' } } }] } } },
      pong: { behaviour: { grpc_method_a: { tracing_name: 'pong', operations: [{ Action: { CallService: { service: 'ping', grpc_method: 'A' } } }] } } },
    },
    entry_points: [{ service: 'ping', method: 'A', rps: 1 }],
  });
  const cases: [string[], RegExp][] = [
    [['predict'], /what to predict\?/],
    [['predict', 'no_such_example'], /neither a file path nor a bundled example \(bundled: .*chaos_checkout/],
    [['predict', `${dir}/absent.json`], /cannot read .*no such file/],
    [['predict', 'ecosystem', '--entry', 'nobody.A'], /no service "nobody"/],
    [['predict', 'ecosystem', '--samples', '0'], /--samples must be a whole number/],
    [['predict', cycle], /ping\/A → pong\/A → ping\/A calls itself in a cycle/],
  ];
  for (const [args, message] of cases) {
    const run = await runToExit({}, args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message);
    assert.ok(!run.stderr.includes('    at '), 'no stack trace');
  }
});

/** A hub whose request calls a leaf `calls` times at once (one ConcurrentActions), after an optional wait of its own. */
function wideHub(calls: number, prepare: boolean) {
  const call = { CallService: { service: 'leaf', grpc_method: 'A', failure_code: 'PROPAGATE' } };
  const prep = { Action: { Sleep: { tracing_name: 'prepare', duration: { LogNormal: { median_ms: 1, p99_ms: 5 } } } } };
  const leafSleep = { tracing_name: 'query', duration: { LogNormal: { median_ms: 3, p99_ms: 20 } }, failure_chance: 0.001 };
  return {
    services: {
      hub: { behaviour: { grpc_method_a: { tracing_name: 'hub', operations: [...(prepare ? [prep] : []), { ConcurrentActions: Array.from({ length: calls }, () => call) }] } } },
      leaf: { behaviour: { grpc_method_a: { tracing_name: 'leaf', operations: [{ Action: { Sleep: leafSleep } }] } } },
    },
    entry_points: [{ service: 'hub', method: 'A', rps: 1 }],
  };
}

// The first overflowed the stack while sampling (the failure branches of 1,500 concurrent calls
// nest 1,500 deep); the second never finished, as its closed form walked 2^60 parts.
test('a request with 1,500 concurrent calls, and one with 60 and a closed form: predicted, exit 0', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  for (const [calls, prepare] of [
    [1500, true],
    [60, false],
  ] as const) {
    const run = await runToExit({}, ['predict', writeJson(dir, `wide-${calls}.json`, wideHub(calls, prepare)), '--json', '--samples', '2000'], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const [prediction] = (JSON.parse(run.stdout) as { predictions: any[] }).predictions;
    // Every leaf call fails 0.1% of the time, and any failure fails the request.
    assert.ok(Math.abs(prediction.failure.probability - (1 - 0.999 ** calls)) < 1e-9, `${calls}: ${prediction.failure.probability}`);
    assert.equal(prediction.latency_ms.all.method, prepare ? 'monte-carlo' : 'exact');
    assert.ok(prediction.latency_ms.all.p99 >= prediction.latency_ms.all.p50 && prediction.latency_ms.all.p50 > 3, JSON.stringify(prediction.latency_ms));
  }
});
