// `thespian up` plays a topology's incident schedule from the start of traffic, through the
// services' admin API: the failures fall inside the window, each failing span names the incident,
// requests well outside it succeed, and the view says when it started and ended. --no-incidents
// plays nothing. Spans are read from up's --json lines (its real OTLP receiver).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, readyPids, runUp, startUp, tempDir, writeJson } from './up-helpers';

interface SpanLine {
  trace_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  status: { code: string };
  type?: string;
  attributes: Record<string, unknown>;
  events: { name: string }[];
}

/** Scheduling jitter allowed on each edge of the window (the brief of issue 15: a busy machine). */
const JITTER_MS = 1000;

/** front calls back, whose one Sleep never fails on its own; an incident fails that Sleep from `at` for `for`. */
async function writeTopology(dir: string, incident: { at: string; for: string }): Promise<string> {
  const [front, back] = await freePorts(2);
  return writeJson(dir, 'incident.json', {
    services: {
      front: { port: front, behaviour: { grpc_method_a: { tracing_name: 'front', operations: [{ Action: { CallService: { service: 'back', grpc_method: 'A' } } }] } } },
      back: { port: back, behaviour: { grpc_method_a: { tracing_name: 'back', operations: [{ Action: { Sleep: { tracing_name: 'work', duration_ms: 2, failure_chance: 0 } } }] } } },
    },
    entry_points: [{ service: 'front', method: 'A', rps: 10 }],
    incidents: [{ name: 'back down', service: 'back', step: 'work', ...incident, failure_chance: 1, failure_code: 'UNAVAILABLE' }],
  });
}

function spanLines(path: string): SpanLine[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SpanLine)
    .filter((line) => line.type === undefined);
}

/** Each request's root span (front's SERVER span of A; not the health checks', which are traced too), by trace id. */
function rootsOf(spans: readonly SpanLine[]): Map<string, SpanLine> {
  const roots = spans.filter((span) => span.parent_span_id === '' && span.kind === 'SERVER' && span.attributes['rpc.service'] === 'thespian.Thespian');
  return new Map(roots.map((span) => [span.trace_id, span]));
}

const seconds = (text: string) => Number(text);

test('up plays an incident from the start of traffic: its failures fall in its window and name it, the rest succeed', async () => {
  const dir = tempDir();
  try {
    const topologyPath = await writeTopology(dir, { at: '2s', for: '3s' });
    const jsonPath = join(dir, 'spans.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const run = await runUp([topologyPath, '--duration', '8', '--quiet', '--json', jsonPath, '--summary-json', summaryPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^traffic: front\/A 10\/s; .*; 1 incident scheduled \(--no-incidents to skip\)$/m);
    assert.match(run.stdout, /^ {2}incident "back down" on back \(A, B, C › work: fails UNAVAILABLE 1\) at \+0:02\.0 for 3 s$/m);
    assert.match(run.stdout, /^admin API: on, with a token made for this run/m);
    const started = /^\+0:(\d\d\.\d)  incident "back down" started on back \(A, B, C › work: fails UNAVAILABLE 1\) for 3 s, until \+0:05\.0$/m.exec(run.stdout);
    const ended = /^\+0:(\d\d\.\d)  incident "back down" ended on back$/m.exec(run.stdout);
    assert.ok(started && ended, `the started and ended lines:\n${run.stdout}`);
    // The player's own clock: a window starts no earlier than its offset, and ends at its end or soon after.
    assert.ok(seconds(started[1]!) >= 2 && seconds(started[1]!) <= 2 + JITTER_MS / 1000, started[0]);
    assert.ok(seconds(ended[1]!) >= 5 - 0.1 && seconds(ended[1]!) <= 5 + JITTER_MS / 1000, ended[0]);
    assert.match(run.stdout, /^ {2}incidents 1 window started, 0 refused$/m);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { incidents: unknown; requests: { sent: number; failed: number } };
    assert.deepEqual(summary.incidents, { played: true, scheduled: 1, started: 1, refused: 0, inEffectAtStop: 0 });

    const spans = spanLines(jsonPath);
    const roots = rootsOf(spans);
    assert.equal(roots.size, summary.requests.sent, 'a trace for every request');
    // The first request goes out as the schedule's clock starts: offsets are reckoned from it.
    const t0 = Math.min(...[...roots.values()].map((root) => Date.parse(root.start)));
    const offset = (span: SpanLine) => Date.parse(span.start) - t0;

    // Where each failure began: the step whose roll failed (the caller's CallService records the call's failure too, as its own).
    const failing = spans.filter((span) => span.events.some((event) => event.name === 'exception') && span.attributes['thespian.injected.kind'] === 'failure_chance');
    assert.ok(failing.length > 0, 'the incident made requests fail');
    assert.equal(failing.length, summary.requests.failed, 'one failing span per failed request');
    for (const span of failing) {
      assert.deepEqual([span.service, span.name, span.attributes['thespian.incident']], ['back', 'work', 'back down'], 'each failure began at the incident’s step and names it');
      assert.ok(offset(span) >= 2000 - JITTER_MS && offset(span) <= 5000 + JITTER_MS, `a failure at +${offset(span)} ms is outside the window`);
    }
    const marked = spans.filter((span) => span.attributes['thespian.incident'] !== undefined);
    assert.ok(
      marked.every((span) => failing.includes(span)),
      'with failure_chance 1 every span the incident changed failed',
    );
    for (const root of roots.values()) {
      const at = offset(root);
      if (at < 2000 - JITTER_MS || at > 5000 + JITTER_MS) assert.notEqual(root.status.code, 'ERROR', `a request at +${at} ms, well outside the window, failed`);
      if (at >= 2000 + JITTER_MS && at <= 5000 - JITTER_MS) assert.equal(root.status.code, 'ERROR', `a request at +${at} ms, well inside the window, succeeded`);
    }
    const outside = [...roots.values()].filter((root) => offset(root) < 2000 - JITTER_MS || offset(root) > 5000 + JITTER_MS);
    assert.ok(outside.length >= 10, `requests well outside the window to hold against the baseline (${outside.length})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--no-incidents plays nothing: no incident lines, no span marked, no failure, and the admin API stays off', async () => {
  const dir = tempDir();
  try {
    const topologyPath = await writeTopology(dir, { at: '500ms', for: '2s' });
    const jsonPath = join(dir, 'spans.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const run = await runUp([topologyPath, '--no-incidents', '--duration', '3', '--quiet', '--json', jsonPath, '--summary-json', summaryPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^traffic: .*; 1 incident in the topology, not played \(--no-incidents\)$/m);
    assert.doesNotMatch(run.stdout, /incident "back down" (started|ended|NOT started)/);
    assert.doesNotMatch(run.stdout, /admin API: on/);
    assert.match(run.stdout, /^ {2}incidents 1 in the topology, not played \(--no-incidents\)$/m);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { incidents: unknown; requests: { sent: number; failed: number } };
    assert.deepEqual(summary.incidents, { played: false, scheduled: 1, started: 0, refused: 0, inEffectAtStop: 0 });
    assert.ok(summary.requests.sent > 0);
    assert.equal(summary.requests.failed, 0);
    const spans = spanLines(jsonPath);
    assert.ok(spans.length > 0);
    assert.equal(spans.filter((span) => span.attributes['thespian.incident'] !== undefined).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the token made for the run reaches a pack of services through its environment only: never printed, never in a file', async () => {
  const dir = tempDir();
  try {
    const topologyPath = await writeTopology(dir, { at: '0s', for: '1s' });
    const logDir = join(dir, 'logs');
    const up = startUp([topologyPath, '--services-per-process', '2', '--logs', logDir, '--quiet', '--duration', '3']);
    await up.waitForOutput(/incident "back down" started on back/);
    const [pid] = readyPids(up.stdout());
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const token = environ.find((entry) => entry.startsWith('THESPIAN_ADMIN_TOKEN='))?.slice('THESPIAN_ADMIN_TOKEN='.length);
    assert.match(token ?? '', /^[0-9a-f]{48}$/, 'the pack got a token of 24 random bytes');
    const { code } = await up.exited;
    assert.equal(code, 0, up.stderr());
    assert.match(up.stdout(), /^ {2}incidents 1 window started, 0 refused$/m);
    assert.ok(!up.stdout().includes(token!) && !up.stderr().includes(token!), 'the token is not printed');
    const files = readdirSync(logDir);
    assert.ok(files.some((file) => file.startsWith('pack-') && file.endsWith('.json')), `a pack file among ${files.join(', ')}`);
    for (const file of files) assert.ok(!readFileSync(join(logDir, file), 'utf8').includes(token!), `the token is not in ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a THESPIAN_ADMIN_TOKEN that an instance would refuse is refused by up before anything starts, without quoting it", async () => {
  const dir = tempDir();
  try {
    const topologyPath = await writeTopology(dir, { at: '1s', for: '1s' });
    const run = await runUp([topologyPath, '--duration', '1'], 30_000, { THESPIAN_ADMIN_TOKEN: 'too short' });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^thespian up: THESPIAN_ADMIN_TOKEN: must be 16 to 4096 characters \(got 9\); unset it to keep the admin API off\n/);
    assert.ok(!run.stderr.includes('too short'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
