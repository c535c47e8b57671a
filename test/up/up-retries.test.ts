import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpResult } from '../../src/ensemble';
import { freePorts, runUp, tempDir, writeJson } from './up-helpers';

test('retried calls are not counted as excess spans: every ok trace has exactly the spans its attempts require (seeded run)', async () => {
  const dir = tempDir();
  try {
    const [frontPort, flakyPort] = await freePorts(2);
    const topologyPath = writeJson(dir, 'retries.json', {
      services: {
        front: {
          port: frontPort,
          behaviour: {
            grpc_method_a: {
              tracing_name: 'checkout',
              operations: [
                {
                  Action: {
                    CallService: {
                      tracing_name: 'pay',
                      service: 'flaky',
                      grpc_method: 'A',
                      retries: { max_attempts: 4, backoff_ms: 1, retry_on: ['UNAVAILABLE'] },
                    },
                  },
                },
              ],
            },
          },
        },
        flaky: {
          port: flakyPort,
          behaviour: {
            grpc_method_a: {
              tracing_name: 'authorise',
              operations: [{ Action: { Sleep: { tracing_name: 'ask bank', duration_ms: 1, failure_chance: 0.5, failure_code: 'UNAVAILABLE' } } }],
            },
          },
        },
      },
      entry_points: [{ service: 'front', method: 'A', rps: 20 }],
    });
    const summaryPath = join(dir, 'summary.json');
    const jsonPath = join(dir, 'spans.jsonl');
    const run = await runUp([topologyPath, '--requests', '30', '--seed', '7', '--quiet', '--json', jsonPath, '--summary-json', summaryPath]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;

    // The run did retry: some successful requests needed more than one CLIENT attempt.
    const spans = readFileSync(jsonPath, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { trace_id: string; kind: string; service: string; status: { code: string } });
    const clientsByTrace = new Map<string, number>();
    for (const span of spans) if (span.kind === 'CLIENT' && span.service === 'front') clientsByTrace.set(span.trace_id, (clientsByTrace.get(span.trace_id) ?? 0) + 1);
    const retried = [...clientsByTrace.values()].filter((count) => count > 1).length;
    assert.ok(retried > 0, 'some requests were retried');
    assert.ok(summary.spans.okTraces > 0, 'some requests succeeded');

    assert.equal(summary.spans.okTracesExpected, summary.spans.okTracesReceived, `no excess spans: ${run.stdout}`);
    assert.equal(summary.spans.okTracesWithMissingSpans, 0);
    assert.match(run.stdout, new RegExp(`spans .* ${summary.spans.okTracesReceived} of ${summary.spans.okTracesReceived} expected in ${summary.spans.okTraces} ok traces`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
