import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';

/** Files `thespian import` cannot use: exit 2 and one clear line per problem, naming the file; never a stack trace. */

const line = (span: Record<string, unknown>) =>
  JSON.stringify({ trace_id: 't1', parent_span_id: '', service: 'a', name: 'grpc.thespian.Thespian/A', kind: 'SERVER', start: '2026-01-01T00:00:00.000000000Z', duration_ms: 1, status: { code: 'UNSET' }, attributes: {}, ...span });

const CASES: { name: string; file: string; content: string; expect: RegExp }[] = [
  { name: 'not JSON', file: 'notes.txt', content: 'hello, these are not traces\n', expect: /notes\.txt: not JSON, and not JSON lines \(line 1 is not JSON\)/ },
  { name: 'JSON of another shape', file: 'other.json', content: '{"kind": "something else", "items": [1, 2]}', expect: /other\.json: JSON, but neither Jaeger's JSON/ },
  { name: 'an empty file', file: 'empty.json', content: '  \n', expect: /empty\.json: empty file/ },
  { name: 'a Jaeger download with no spans', file: 'none.json', content: '{"data": []}', expect: /none\.json: Jaeger JSON with no spans in it/ },
  { name: 'an OTLP export with no spans', file: 'none-otlp.json', content: '{"resourceSpans": []}', expect: /none-otlp\.json: OTLP JSON with no spans in it/ },
  {
    name: 'parent links that loop',
    file: 'cycle.jsonl',
    content: [line({ span_id: 's1', parent_span_id: 's2' }), line({ span_id: 's2', parent_span_id: 's1', kind: 'INTERNAL', name: 'x' })].join('\n'),
    expect: /cycle\.jsonl: trace t1: parent links form a cycle \(s\w → s\w → s\w\)/,
  },
  {
    name: 'a trace in pieces (parents missing)',
    file: 'pieces.jsonl',
    content: [line({ span_id: 's1' }), line({ span_id: 's3', parent_span_id: 'lost', kind: 'INTERNAL', name: 'orphan' })].join('\n'),
    expect: /pieces\.jsonl: trace t1: 2 spans whose parent is not in the trace, so it is in pieces: a "grpc\.thespian\.Thespian\/A" \(parent none\), a "orphan" \(parent lost\)/,
  },
  {
    name: 'a span listed twice',
    file: 'twice.jsonl',
    content: [line({ span_id: 's1' }), line({ span_id: 's1' })].join('\n'),
    expect: /twice\.jsonl: trace t1: span s1 is listed twice/,
  },
  {
    name: 'an operation that calls itself',
    file: 'recursion.jsonl',
    content: [
      line({ span_id: 's1', name: 'GET /tree' }),
      line({ span_id: 's2', parent_span_id: 's1', kind: 'CLIENT', name: 'GET /tree' }),
      line({ span_id: 's3', parent_span_id: 's2', name: 'GET /tree' }),
    ].join('\n'),
    expect: /the calls form a cycle, which a topology cannot act out: a\/A \(GET \/tree\) → a\/A \(GET \/tree\)/,
  },
  { name: 'a file that is missing', file: '', content: '', expect: /missing\.json: cannot read it \(ENOENT\)/ },
];

for (const bad of CASES) {
  test(`import refuses ${bad.name} with one line naming the file`, async () => {
    const dir = tempDir();
    try {
      const path = join(dir, bad.file || 'missing.json');
      if (bad.file) writeFileSync(path, bad.content);
      const run = await runToExit({}, ['import', path, '-o', join(dir, 'out.jsonc')]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, bad.expect);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(run.stdout, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('import names every bad file, each on its own line, and writes nothing', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'a.txt'), 'nope');
    writeFileSync(join(dir, 'b.json'), '[]');
    const out = join(dir, 'out.jsonc');
    const run = await runToExit({}, ['import', join(dir, 'a.txt'), join(dir, 'b.json'), '-o', out]);
    assert.equal(run.code, 2);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(lines[0], /a\.txt: not JSON/);
    assert.match(lines[1], /b\.json: JSON, but neither/);
    assert.throws(() => require('node:fs').statSync(out), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import without files or -o says what is missing', async () => {
  const run = await runToExit({}, ['import']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /which traces\? Give one or more trace files/);
  assert.match(run.stderr, /where to\? Give -o FILE \(or -o - for stdout\)/);
});
