import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OtlpTraceReceiver } from '../../src/collector';
import { expectedSpansOfSuccess } from '../../src/predict';
import { loadTopology } from '../../src/topology';
import type { UpResult } from '../../src/ensemble';
import { freePorts, runUp, survivors, tempDir, writeJson } from './up-helpers';

interface SpanLine {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  end: string;
  duration_ms: number;
  status: { code: string; message: string };
  attributes: Record<string, unknown>;
  events: { name: string; time: string; attributes: Record<string, unknown> }[];
}

const sleep = (name: string, ms: number, extra: object = {}) => ({ Action: { Sleep: { tracing_name: name, duration_ms: ms, ...extra } } });

test('a bounded run of three services: traces match the config across processes, --json is complete, exit 0, no child left', async () => {
  const dir = tempDir();
  const backend = await OtlpTraceReceiver.start();
  try {
    const [gatewayPort, usersPort, stockPort] = await freePorts(3);
    const topologyPath = writeJson(dir, 'three.json', {
      name: 'three',
      services: {
        gateway: {
          port: gatewayPort,
          behaviour: {
            grpc_method_a: {
              tracing_name: 'handle order',
              operations: [
                sleep('parse request', 2),
                {
                  ConcurrentActions: [
                    { CallService: { tracing_name: 'fetch user', service: 'users', grpc_method: 'A' } },
                    { CallService: { tracing_name: 'check stock', service: 'stock', grpc_method: 'A' } },
                  ],
                },
                sleep('respond', 1),
              ],
            },
            grpc_method_b: {
              tracing_name: 'refund',
              operations: [{ Action: { CallService: { tracing_name: 'return stock', service: 'stock', grpc_method: 'B' } } }],
            },
          },
        },
        users: { port: usersPort, behaviour: { grpc_method_a: { tracing_name: 'load user', operations: [sleep('query users', 5)] } } },
        stock: {
          port: stockPort,
          behaviour: {
            grpc_method_a: { tracing_name: 'count stock', operations: [sleep('read stock', 3)] },
            grpc_method_b: { tracing_name: 'return item', operations: [sleep('write stock', 2, { failure_chance: 1 })] },
          },
        },
      },
      entry_points: [
        { service: 'gateway', method: 'A', rps: 10 },
        { service: 'gateway', method: 'B', rps: 5 },
      ],
    });
    const jsonPath = join(dir, 'spans.jsonl');
    const summaryPath = join(dir, 'summary.json');

    const run = await runUp([topologyPath, '--requests', '15', '--trees', '20', '--json', jsonPath, '--summary-json', summaryPath, '--otlp', backend.endpoint]);
    assert.equal(run.code, 0, `exit code; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;

    // No child process survives, checked by PID.
    assert.equal(summary.services.length, 3);
    const pids = summary.services.map((service) => service.pid!);
    assert.deepEqual(await survivors(pids, 5_000), [], 'every service process has gone');
    for (const service of summary.services) assert.equal(service.exit, 'exit code 0', `${service.name} stopped cleanly`);

    // --json holds every span received, one JSON object per line, in the documented shape.
    // (and the services' call figures, lines with a `type`: up-metrics.test.ts reads those)
    const lines = readFileSync(jsonPath, 'utf8').trimEnd().split('\n');
    const spans = lines.map((line) => JSON.parse(line) as SpanLine & { type?: string }).filter((line) => line.type === undefined);
    assert.equal(spans.length, summary.spans.received);
    for (const span of spans) {
      assert.deepEqual(Object.keys(span), ['trace_id', 'span_id', 'parent_span_id', 'service', 'name', 'kind', 'start', 'end', 'duration_ms', 'status', 'attributes', 'events']);
      assert.match(span.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.ok(span.end >= span.start);
    }

    // The traces: one per request, each a single tree across processes.
    const traces = new Map<string, SpanLine[]>();
    for (const span of spans) traces.set(span.trace_id, [...(traces.get(span.trace_id) ?? []), span]);
    const requestTraces = [...traces.values()].filter((trace) => trace.some((span) => !span.parent_span_id && span.attributes['rpc.service'] === 'thespian.Thespian'));
    assert.equal(summary.requests.sent, 15);
    assert.equal(summary.requests.unanswered, 0);
    assert.equal(requestTraces.length, 15, 'a trace for every request');

    const topology = loadTopology(topologyPath);
    let refunds = 0;
    for (const trace of requestTraces) {
      const ids = new Set(trace.map((span) => span.span_id));
      const roots = trace.filter((span) => !span.parent_span_id);
      assert.equal(roots.length, 1);
      for (const span of trace) if (span.parent_span_id) assert.ok(ids.has(span.parent_span_id), `parent of ${span.service} "${span.name}" arrived`);
      const [root] = roots;
      assert.equal(root.service, 'gateway');
      assert.equal(root.kind, 'SERVER');
      const byName = (service: string, name: string) => {
        const found = trace.find((span) => span.service === service && span.name === name);
        assert.ok(found, `no ${service} "${name}" in ${trace.map((s) => `${s.service}:${s.name}`).join(', ')}`);
        return found;
      };
      const parentOf = (span: SpanLine) => trace.find((candidate) => candidate.span_id === span.parent_span_id)!;

      if (root.attributes['rpc.method'] === 'A') {
        assert.equal(root.status.code, 'UNSET', 'A succeeds');
        assert.equal(trace.length, expectedSpansOfSuccess(topology, 'gateway', 'A'));
        assert.deepEqual(
          trace.map((span) => `${span.service}:${span.name}`).sort(),
          [
            'gateway:grpc.thespian.Thespian/A', 'gateway:handle order', 'gateway:parse request', 'gateway:fetch user', 'gateway:check stock',
            'gateway:grpc.thespian.Thespian/A', 'gateway:grpc.thespian.Thespian/A', 'gateway:respond',
            'users:grpc.thespian.Thespian/A', 'users:load user', 'users:query users',
            'stock:grpc.thespian.Thespian/A', 'stock:count stock', 'stock:read stock',
          ].sort(),
        );
        // Parent links cross processes: users' SERVER span hangs under gateway's CLIENT span of "fetch user".
        const usersServer = trace.find((span) => span.service === 'users' && span.kind === 'SERVER')!;
        const client = parentOf(usersServer);
        assert.equal(client.service, 'gateway');
        assert.equal(client.kind, 'CLIENT');
        assert.equal(parentOf(client), byName('gateway', 'fetch user'));
        assert.equal(parentOf(byName('users', 'query users')), byName('users', 'load user'));
        // The two calls ran at the same time.
        const fetch = byName('gateway', 'fetch user');
        const check = byName('gateway', 'check stock');
        assert.ok(fetch.start < check.end && check.start < fetch.end, 'fetch user and check stock overlap');
      } else {
        refunds++;
        // failure_chance 1: it fails where configured, and the failure travels up to the root.
        const failing = byName('stock', 'write stock');
        assert.equal(failing.status.code, 'ERROR');
        const exception = failing.events.find((event) => event.name === 'exception');
        assert.match(String(exception?.attributes['exception.message']), /injected failure/);
        assert.equal(byName('stock', 'return item').status.code, 'ERROR');
        assert.equal(byName('gateway', 'return stock').status.code, 'ERROR');
        assert.equal(root.status.code, 'ERROR');
      }
    }
    assert.ok(refunds > 0 && refunds < 15, `both methods were called (${refunds} refunds)`);
    assert.equal(summary.requests.failed, refunds, 'exactly the refunds failed');
    assert.equal(summary.spans.okTracesExpected, summary.spans.okTracesReceived, 'no span of an ok trace was lost');
    assert.equal(summary.traces.withOrphans, 0);

    // The terminal view: trees drawn, the failure shown with its message, no colour off a terminal.
    assert.match(run.stdout, /━━ trace [0-9a-f]{32}/);
    assert.match(run.stdout, /✗ write stock/);
    assert.match(run.stdout, /injected failure \(rolled/);
    assert.match(run.stdout, /requests {2}15 sent/);
    assert.ok(!run.stdout.includes('\u001b['), 'no ANSI escapes when stdout is not a terminal');
    assert.equal(summary.logDir, null, 'the temporary log folder is removed after a clean run');

    // --otlp: the real backend got the same spans.
    const forwarded = await backend.waitFor((all) => all.length >= spans.length, 10_000);
    assert.equal(forwarded.length, spans.length);
    assert.deepEqual(new Set(forwarded.map((span) => span.spanId)), new Set(spans.map((span) => span.span_id)));
    const forwardedFailure = forwarded.find((span) => span.name === 'write stock')!;
    assert.equal(forwardedFailure.service, 'stock');
    assert.equal(forwardedFailure.status.code, 'ERROR');
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
