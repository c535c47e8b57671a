import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictedShape } from '../../src/predict';
import { parseTopology } from '../../src/topology';
import { runToExit } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';

/** `thespian import` on other tracers' files: Jaeger's UI download and OTLP JSON, written by hand. */

const T0 = 1_700_000_000_000_000; // µs

/** One checkout as Jaeger's UI downloads it: validate, then payments and inventory at once; payments queries a database no trace shows. */
function jaegerTrace(traceID: string, scale: number, dbFails: boolean) {
  const tag = (key: string, value: unknown, type = 'string') => ({ key, type, value });
  const span = (spanID: string, parent: string | undefined, processID: string, operationName: string, kind: string, start: number, duration: number, error = false) => ({
    traceID, spanID, operationName, processID, startTime: T0 + start * scale, duration: duration * scale,
    references: parent ? [{ refType: 'CHILD_OF', traceID, spanID: parent }] : [],
    tags: [tag('span.kind', kind), ...(error ? [tag('error', true, 'bool')] : [])], logs: [],
  });
  return {
    traceID,
    processes: { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'payments', tags: [] }, p3: { serviceName: 'inventory', tags: [] } },
    spans: [
      span('a1', undefined, 'p1', 'GET /checkout', 'server', 0, 40_000, dbFails),
      span('a2', 'a1', 'p1', 'validate cart', 'internal', 1_000, 5_000),
      span('a3', 'a1', 'p1', 'payments/Charge', 'client', 7_000, 30_000, dbFails),
      span('a4', 'a3', 'p2', 'payments/Charge', 'server', 7_500, 29_000, dbFails),
      span('a5', 'a4', 'p2', 'SELECT accounts', 'client', 8_000, 20_000, dbFails),
      span('a6', 'a1', 'p1', 'inventory/Reserve', 'client', 7_200, 12_000),
      span('a7', 'a6', 'p3', 'inventory/Reserve', 'server', 7_400, 11_000),
    ],
  };
}

async function importText(dir: string, name: string, content: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const path = join(dir, name);
  writeFileSync(path, content);
  return runToExit({}, ['import', path, '-o', '-']);
}

test("Jaeger's JSON: services, the concurrent calls, a LogNormal fitted by moments, and the failure share", async () => {
  const dir = tempDir();
  try {
    const download = { data: [jaegerTrace('1', 1, false), jaegerTrace('2', 2, true)], total: 0, limit: 0, offset: 0, errors: null };
    const run = await importText(dir, 'jaeger.json', JSON.stringify(download));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\/\/ Made by `thespian import` from 2 traces in .*jaeger\.json: 3 services\./);
    const topology = parseTopology(run.stdout, 'imported', 'json');
    assert.deepEqual(topology.services.map((service) => service.name), ['frontend', 'payments', 'inventory']);
    assert.deepEqual(topology.entryPoints.map((entry) => [entry.service, entry.method]), [['frontend', 'A']]);
    const checkout = JSON.parse(run.stdout.replace(/^\/\/.*\n/gm, '')).services.frontend.behaviour.grpc_method_a;
    assert.equal(checkout.tracing_name, 'GET /checkout');
    const [ownWork, validate, calls] = checkout.operations;
    // 40 ms (80 ms), of which its children cover 35 ms (70 ms): 5 ms (10 ms) of its own.
    assert.equal(ownWork.Action.Sleep.tracing_name, 'GET /checkout: own work');
    assert.equal(validate.Action.Sleep.tracing_name, 'validate cart');
    assert.deepEqual(calls.ConcurrentActions.map((call: any) => [call.CallService.service, call.CallService.grpc_method]), [['payments', 'A'], ['inventory', 'A']]);
    const query = JSON.parse(run.stdout.replace(/^\/\/.*\n/gm, '')).services.payments.behaviour.grpc_method_a.operations.find((op: any) => op.Action?.Sleep?.tracing_name === 'SELECT accounts').Action.Sleep;
    // It failed in one trace of two, and nothing below it did: the failure began there.
    assert.equal(query.failure_chance, 0.5);
    // The call above it failed only because the query did: no failure of its own.
    assert.equal(calls.ConcurrentActions[0].CallService.failure_chance, undefined);
    // 20 and 40 ms: mean 30, so the fitted LogNormal's mean is 30.
    // (docs/config-reference.md: mean median × e^(σ²/2), σ = ln(p99/median)/2.3263)
    const { median_ms: median, p99_ms: p99 } = query.duration.LogNormal;
    const sigma = Math.log(p99 / median) / 2.3263;
    assert.ok(Math.abs(median * Math.exp(sigma ** 2 / 2) - 30) < 0.01, JSON.stringify(query.duration));
    assert.ok(predictedShape(topology, 'frontend', 'A'), 'predict takes the imported topology');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** An OTLP JSON export (hex ids, enum numbers) where users serves four operations. */
function otlpExport() {
  const ns = (ms: number) => String(BigInt(T0) * 1000n + BigInt(ms * 1e6));
  const span = (spanId: string, parentSpanId: string, name: string, kind: number, start: number, end: number) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `00000000000000${spanId}`, parentSpanId: parentSpanId && `00000000000000${parentSpanId}`,
    name, kind, startTimeUnixNano: ns(start), endTimeUnixNano: ns(end), attributes: [], status: {},
  });
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
  const operations = ['GetUser', 'ListUsers', 'UpdateUser', 'DeleteUser'];
  return {
    resourceSpans: [
      { resource: resource('gateway'), scopeSpans: [{ spans: [span('01', '', 'GET /admin', 2, 0, 50), ...operations.map((name, i) => span(`1${i}`, '01', name, 3, 1 + i * 10, 9 + i * 10))] }] },
      { resource: resource('users'), scopeSpans: [{ spans: operations.map((name, i) => span(`2${i}`, `1${i}`, name, 2, 2 + i * 10, 8 + i * 10)) }] },
    ],
  };
}

test('OTLP JSON: a service with more than three operations is split, and the header says so', async () => {
  const dir = tempDir();
  try {
    const run = await importText(dir, 'otlp.json', JSON.stringify(otlpExport()));
    assert.equal(run.code, 0, run.stderr);
    const topology = parseTopology(run.stdout, 'imported', 'json');
    assert.deepEqual(topology.services.map((service) => service.name), ['gateway', 'users', 'users-2']);
    assert.match(run.stdout, /\/\/ users has more than three operations: from "DeleteUser" on they are acted by users-2/);
    const file = JSON.parse(run.stdout.replace(/^\/\/.*\n/gm, ''));
    assert.deepEqual(Object.keys(file.services.users.behaviour), ['grpc_method_a', 'grpc_method_b', 'grpc_method_c']);
    assert.equal(file.services['users-2'].behaviour.grpc_method_a.tracing_name, 'DeleteUser');
    // One after another, each a 6 ms server span of its own.
    const calls = file.services.gateway.behaviour.grpc_method_a.operations.filter((op: any) => op.Action?.CallService);
    assert.deepEqual(calls.map((op: any) => `${op.Action.CallService.service}/${op.Action.CallService.grpc_method}`), ['users/A', 'users/B', 'users/C', 'users-2/A']);
    assert.deepEqual(file.services.users.behaviour.grpc_method_a.operations, [{ Action: { Sleep: { tracing_name: 'GetUser: own work', duration_ms: 6 } } }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A step that ran long in a trace where the step after it never came (the request failed) made
// the first step's average end pass the second's average start, and two steps that ran one after
// the other were written as concurrent. Siblings are compared within the traces they share.
test('steps that ran one after the other stay in order, though a trace without the later one makes the averages overlap', async () => {
  const dir = tempDir();
  try {
    const tag = (key: string, value: unknown, type = 'string') => ({ key, type, value });
    const trace = (traceID: string, lookUpUs: number, withScore: boolean) => ({
      traceID,
      processes: { p1: { serviceName: 'shard', tags: [] } },
      spans: [
        { traceID, spanID: 'b1', operationName: 'search shard', processID: 'p1', startTime: T0, duration: 200_000, references: [], tags: [tag('span.kind', 'server')], logs: [] },
        { traceID, spanID: 'b2', operationName: 'look up terms', processID: 'p1', startTime: T0, duration: lookUpUs, references: [{ refType: 'CHILD_OF', traceID, spanID: 'b1' }], tags: [tag('span.kind', 'internal')], logs: [] },
        ...(withScore
          ? [{ traceID, spanID: 'b3', operationName: 'score documents', processID: 'p1', startTime: T0 + lookUpUs, duration: 10_000, references: [{ refType: 'CHILD_OF', traceID, spanID: 'b1' }], tags: [tag('span.kind', 'internal')], logs: [] }]
          : []),
      ],
    });
    // Look-up ends at 10 ms where scoring follows, at 150 ms where it never came: on average it ends at 80 ms, after scoring's average start (10 ms).
    const download = { data: [trace('1', 10_000, true), trace('2', 150_000, false)] };
    const run = await importText(dir, 'jaeger.json', JSON.stringify(download));
    assert.equal(run.code, 0, run.stderr);
    const shard = JSON.parse(run.stdout.replace(/^\/\/.*\n/gm, '')).services.shard.behaviour.grpc_method_a;
    const names = shard.operations.map((op: any) => (op.ConcurrentActions ? 'concurrent' : op.Action.Sleep?.tracing_name ?? Object.keys(op.Action)[0]));
    assert.ok(!names.includes('concurrent'), `one after the other: ${JSON.stringify(shard.operations)}`);
    assert.deepEqual(names.filter((name: string) => name === 'look up terms' || name === 'score documents'), ['look up terms', 'score documents']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
