import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, runUp, tempDir, writeJson } from './up-helpers';

// `thespian up` follows a staged entry point. Two bursts of traffic with three silent seconds
// between them: each burst holds exactly what its stages integrate to, however busy the machine
// (only a stall of seconds could blur the gap).

interface SpanLine {
  trace_id: string;
  parent_span_id?: string;
  service: string;
  kind: string;
  start: string;
  type?: string;
  attributes: Record<string, unknown>;
}

test('up sends what each stage of a staged entry point integrates to: 21 requests, 3 s of silence, then 41', async () => {
  const dir = tempDir();
  try {
    const [port] = await freePorts(1);
    const topologyPath = writeJson(dir, 'staged.json', {
      services: { front: { port, behaviour: { grpc_method_a: { tracing_name: 'front', operations: [] } } } },
      entry_points: [
        {
          service: 'front',
          method: 'A',
          // 0 → 20/s over 2 s (20), down to 0 in 0.1 s (1); silent 3 s; up to 20/s in 0.1 s (1), held 2 s (40).
          stages: [
            { for: '2s', rps: 20 },
            { for: '100ms', rps: 0 },
            { for: '3s', rps: 0 },
            { for: '100ms', rps: 20 },
            { for: '2s', rps: 20 },
          ],
        },
      ],
    });
    const jsonPath = join(dir, 'spans.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const run = await runUp([topologyPath, '--duration', '9', '--quiet', '--json', jsonPath, '--summary-json', summaryPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /traffic: front\/A through 5 stages over 7\.2 s \(mean [\d.]+\/s\)/);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { requests: { sent: number; unanswered: number } };
    assert.equal(summary.requests.sent, 62, 'the floor of the whole integral, and nothing after the last stage');

    const roots = readFileSync(jsonPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as SpanLine)
      .filter((span) => span.type === undefined && !span.parent_span_id && span.attributes['rpc.service'] === 'thespian.Thespian');
    const starts = roots.map((span) => Date.parse(span.start)).sort((a, b) => a - b);
    assert.equal(starts.length, 62, 'a trace for every request');
    const bursts: number[] = [1];
    for (let index = 1; index < starts.length; index++) {
      if (starts[index]! - starts[index - 1]! > 2000) bursts.push(1);
      else bursts[bursts.length - 1]!++;
    }
    assert.deepEqual(bursts, [21, 41]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
