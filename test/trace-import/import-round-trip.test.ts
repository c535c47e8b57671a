import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpResult } from '../../src/ensemble';
import type { GrpcMethod } from '../../src/engine/model';
import { predictedShape } from '../../src/predict';
import type { SpanShape } from '../../src/probability';
import { loadTopology } from '../../src/topology';
import { runToExit } from '../support/instance-process';
import { runUp, tempDir } from '../up/up-helpers';

/**
 * The round trip: `thespian up --json` records real traces of a bundled topology (a
 * fan-out with concurrent calls, two methods, a Compute), `thespian import` makes a topology of
 * them, and what `thespian predict` gives for the import must be the recorded span trees: the
 * same spans by service, kind and name, the same parents, and the same children running together.
 */

interface RecordedSpan {
  span_id: string;
  parent_span_id: string;
  trace_id: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  duration_ms: number;
  status: { code: string };
  attributes: Record<string, unknown>;
}

const FANOUT = join(__dirname, '..', '..', 'example_configs', 'search_fanout.jsonc');

test('a trace recorded by thespian up, imported, predicts the span trees that were recorded', async () => {
  const dir = tempDir();
  try {
    const recorded = join(dir, 'spans.jsonl');
    const run = await runUp([FANOUT, '--free-ports', '--requests', '8', '--rps', '4', '--quiet', '--json', recorded], 60_000);
    assert.equal(run.code, 0, `up: ${run.stderr}`);
    const imported = join(dir, 'imported.jsonc');
    const result = await runToExit({}, ['import', recorded, '-o', imported]);
    assert.equal(result.code, 0, `import: ${result.stderr}`);
    const topology = loadTopology(imported);
    assert.deepEqual(topology.services.map((service) => service.name).sort(), ['search', 'shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const trees = requestTrees(readFileSync(recorded, 'utf8'));
    // Failed requests (a shard past its 250 ms timeout) stop early: only whole ones are compared.
    const whole = trees.filter((tree) => !tree.some((span) => span.status.code === 'ERROR'));
    assert.ok(whole.length >= 2, `at least two whole traces to compare (${whole.length} of ${trees.length})`);
    const compared: string[] = [];
    for (const spans of whole) {
      const root = spans.find((span) => !spans.some((other) => other.span_id === span.parent_span_id))!;
      const shape = predictedShape(topology, root.service, root.attributes['rpc.method'] as GrpcMethod);
      assert.ok(shape, `${root.service}/${root.attributes['rpc.method']} has a predicted shape`);
      const text = recordedText(spans, root);
      assert.equal(shapeText(shape), text, `trace ${root.trace_id}`);
      compared.push(text);
    }
    assert.ok(compared.some((text) => text.includes('∥ search INTERNAL query shard-4')), 'the concurrent fan-out was among the traces compared');
    // The copy runs: every request of it answered, every trace whole.
    const summaryPath = join(dir, 'summary.json');
    const copy = await runUp([imported, '--free-ports', '--requests', '3', '--rps', '3', '--quiet', '--summary-json', summaryPath], 60_000);
    assert.equal(copy.code, 0, `up on the import: ${copy.stderr}`);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;
    assert.equal(summary.requests.unanswered, 0);
    assert.equal(summary.traces.complete, 3, 'every trace of the copy arrived whole');
    assert.equal(summary.traces.withOrphans, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The request traces of a `thespian up --json` file (health checks left out), each its spans. */
function requestTrees(text: string): RecordedSpan[][] {
  const spans = text.split('\n').filter((line) => line.includes('"span_id"')).map((line) => JSON.parse(line) as RecordedSpan);
  const byTrace = new Map<string, RecordedSpan[]>();
  for (const span of spans) byTrace.set(span.trace_id, [...(byTrace.get(span.trace_id) ?? []), span]);
  return [...byTrace.values()].filter((trace) => !trace.some((span) => span.attributes['rpc.service'] === 'grpc.health.v1.Health'));
}

/**
 * A tree as text: each span "service KIND name", its children in groups; siblings whose time
 * ranges overlap by more than half the shorter one's length share a group (marked ∥), and the
 * spans of a group are sorted, as their start order within it is chance.
 */
function treeText(label: string, groups: readonly (readonly string[])[], depth: number): string {
  const lines = groups.map((group) => {
    const sorted = [...group].sort();
    return sorted.map((child) => `${'  '.repeat(depth + 1)}${sorted.length > 1 ? '∥ ' : ''}${child}`).join('\n');
  });
  return [`${label}`, ...lines].join('\n');
}

function recordedText(spans: readonly RecordedSpan[], span: RecordedSpan, depth = 0): string {
  // To the nanosecond the line gives (Date.parse stops at the millisecond): cut to the millisecond,
  // a 1 ms step and the one after it, begun within the same millisecond, would look concurrent.
  const startOf = (each: RecordedSpan) => Date.parse(each.start.slice(0, 23) + 'Z') + Number(`0.${each.start.slice(23).replace(/\D/g, '') || '0'}`);
  const children = spans.filter((child) => child.parent_span_id === span.span_id).sort((a, b) => startOf(a) - startOf(b));
  const groups: RecordedSpan[][] = [];
  for (const child of children) {
    const last = groups[groups.length - 1];
    const overlaps = last?.some((other) => {
      const overlap = Math.min(startOf(other) + other.duration_ms, startOf(child) + child.duration_ms) - Math.max(startOf(other), startOf(child));
      return overlap > Math.min(other.duration_ms, child.duration_ms) / 2;
    });
    if (last && overlaps) last.push(child);
    else groups.push([child]);
  }
  const texts = groups.map((group) => group.map((child) => recordedText(spans, child, depth + 1)));
  return treeText(`${span.service} ${span.kind} ${span.name}`, texts, depth);
}

function shapeText(shape: SpanShape, depth = 0): string {
  const groups = shape.attempt ? [[shape.attempt.shape]] : shape.groups;
  return treeText(`${shape.service} ${shape.kind} ${shape.name}`, groups.map((group) => group.map((child) => shapeText(child, depth + 1))), depth);
}
