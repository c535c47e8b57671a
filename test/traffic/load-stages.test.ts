import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

// `load --stages` against real instances: per stage, the requests sent are what the staged rate
// integrates to. Which stage a request belongs to is read from its scheduled time in --json (the
// schedule is exact); of the send times, only that none comes before its due time.

interface StageJson {
  stage: number;
  target?: number;
  label?: string;
  startS: number;
  durationS: number;
  fromRate: number;
  toRate: number;
  planned: number;
  scheduled: number;
  sent: number;
  dropped: number;
  counts: Record<string, number>;
  latencyMs: { p50: number; p99: number };
}

interface StagedJson {
  sent: number;
  keptUp: boolean;
  durationS: number;
  stages: StageJson[];
  targets: { label?: string; sent: number }[];
  requests: { target: number; status: string; scheduledMs: number; sentMs: number; stage?: number }[];
}

let dir: string;
const instances: InstanceProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'thespian-load-stages-'));
  // Quick, and failing now and then, so a stage has more than one status.
  const behaviour = methodA('serve', step(sleep('work', 0, 0.1)));
  for (let count = 0; count < 2; count++) instances.push(await startInstance({ behaviour }));
});

after(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function loadJson(args: string[], name: string): Promise<{ json: StagedJson; stdout: string }> {
  const jsonPath = join(dir, name);
  const run = await runToExit({}, ['load', ...args, '--json', jsonPath], 60_000);
  assert.equal(run.code, 0, run.stderr);
  return { json: JSON.parse(readFileSync(jsonPath, 'utf8')) as StagedJson, stdout: run.stdout };
}

/** A topology of one service, `front`, on the port of an instance started here, with these entry points. */
function writeTopology(name: string, instance: InstanceProcess, entryPoints: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ services: { front: { port: instance.port, behaviour: methodA('serve', step(sleep('work', 0))) } }, entry_points: entryPoints }));
  return path;
}

/** Requests whose scheduled time falls in each stage's window (start, end], the first from 0. */
function countByStage(json: StagedJson, target?: number): number[] {
  return json.stages
    .filter((stage) => stage.target === target)
    .map((stage, index) => {
      const start = stage.startS * 1000;
      const end = start + stage.durationS * 1000;
      return json.requests.filter((request) => (target === undefined || request.target === target) && (index === 0 ? request.scheduledMs >= 0 : request.scheduledMs > start + 0.01) && request.scheduledMs <= end + 0.01).length;
    });
}

test('--stages 2s:60,2s:60,1s:0 at two targets: each stage sends what it integrates to (60, 120, 30 per target)', async () => {
  const { json, stdout } = await loadJson(['--target', instances[0]!.address, '--target', instances[1]!.address, '--stages', '2s:60,2s:60,1s:0'], 'two.json');
  const perTarget = [60, 120, 30];
  assert.equal(json.durationS, 5);
  assert.equal(json.sent, 2 * 210);
  assert.deepEqual(json.targets.map((target) => target.sent), [210, 210], 'each target gets the stages');
  assert.deepEqual(
    json.stages.map(({ stage, startS, durationS, fromRate, toRate }) => ({ stage, startS, durationS, fromRate, toRate })),
    [
      { stage: 1, startS: 0, durationS: 2, fromRate: 0, toRate: 120 },
      { stage: 2, startS: 2, durationS: 2, fromRate: 120, toRate: 120 },
      { stage: 3, startS: 4, durationS: 1, fromRate: 120, toRate: 0 },
    ],
    'one row per stage, both targets together',
  );
  assert.deepEqual(json.stages.map((stage) => stage.planned), perTarget.map((count) => 2 * count));
  assert.deepEqual(json.stages.map((stage) => stage.sent), perTarget.map((count) => 2 * count), 'sent as planned');
  for (const stage of json.stages) {
    assert.equal(Object.values(stage.counts).reduce((sum, count) => sum + count, 0), stage.sent, `stage ${stage.stage}: every request answered, counted by status`);
    assert.ok(stage.latencyMs.p99 >= stage.latencyMs.p50 && stage.latencyMs.p50 > 0);
  }
  // The requests themselves, by when they were due: the same counts, target by target.
  for (const target of [0, 1]) {
    const due = json.stages.map((stage) => {
      const start = stage.startS * 1000;
      return json.requests.filter((request) => request.target === target && (stage.stage === 1 || request.scheduledMs > start + 0.01) && request.scheduledMs <= start + stage.durationS * 1000 + 0.01).length;
    });
    assert.deepEqual(due, perTarget, `target ${target}`);
    const tagged = [1, 2, 3].map((stage) => json.requests.filter((request) => request.target === target && request.stage === stage).length);
    assert.deepEqual(tagged, perTarget, `target ${target}: each request names its stage`);
  }
  // When they actually went out is up to the machine (a stall moves sends across a stage's
  // edge), so no count by send time is held to the plan; what the scheduler does promise is
  // that no request goes out before it is due, which the due-time counts above then pin down.
  const early = json.requests.filter((request) => request.sentMs < request.scheduledMs);
  assert.deepEqual(early, [], 'no request sent before it was due');
  assert.match(stdout, /^Load: 2 targets in 3 stages \(84 requests\/s on average\) for 5 s, open loop$/m);
  assert.match(stdout, /^Stage\s+rate\/s\s+planned\s+sent\s+dropped\s+p50 ms\s+p99 ms\s+statuses$/m);
  assert.match(stdout, /^ {2}1 0 s–2 s\s+0→120\s+120\s+120\s+0\s+[\d.]+\s+[\d.]+\s+OK \d+/m);
  assert.match(stdout, /^ {2}2 2 s–4 s\s+120\s+240\s+240\s+0\s/m);
  assert.match(stdout, /^ {2}3 4 s–5 s\s+120→0\s+60\s+60\s+0\s/m);
});

test('--topology: entry points with their own stages keep them; --stages shares a total by their (mean) rps', async () => {
  const topologyPath = writeTopology('staged.json', instances[0]!, [
    { service: 'front', method: 'A', stages: [{ for: '1s', rps: 40 }, { for: '1s', rps: 40 }] },
    { service: 'front', method: 'A', rps: 10 },
  ]);
  // Without --duration, load sends until the stages end: 20 + 40 to the staged entry point, 2 s × 10/s to the flat one.
  const own = await loadJson(['--topology', topologyPath], 'own.json');
  assert.equal(own.json.durationS, 2);
  assert.deepEqual(own.json.targets.map((target) => target.sent), [60, 20]);
  assert.deepEqual(own.json.stages.map(({ stage, target, label, planned, sent }) => ({ stage, target, label, planned, sent })), [
    { stage: 1, target: 0, label: 'front', planned: 20, sent: 20 },
    { stage: 2, target: 0, label: 'front', planned: 40, sent: 40 },
  ]);
  assert.deepEqual(countByStage(own.json, 0), [20, 40]);

  // 1s:30,1s:30 integrates to 15 + 30; the staged entry point (mean 30/s) takes 3/4 of it, the flat one (10/s) 1/4.
  const shared = await loadJson(['--topology', topologyPath, '--stages', '1s:30,1s:30'], 'shared.json');
  assert.deepEqual(shared.json.targets.map((target) => target.sent), [33, 11]);
  assert.deepEqual(shared.json.stages.map(({ stage, target, planned, sent }) => ({ stage, target, planned, sent })), [
    { stage: 1, target: undefined, planned: 11 + 3, sent: 14 },
    { stage: 2, target: undefined, planned: 22 + 8, sent: 30 },
  ]);
});

test('an entry point whose stages repeat cycles them until --duration: each stage counted over every cycle', async () => {
  const topologyPath = writeTopology('cycling.json', instances[1]!, [
    { service: 'front', method: 'A', stages: [{ for: '500ms', rps: 20 }, { for: '500ms', rps: 20 }], repeat: true },
  ]);
  // A cycle of 1 s integrates to 5 + 10; by 2.2 s two cycles and 0.8 of a request more: 30 in all.
  const { json } = await loadJson(['--topology', topologyPath, '--duration', '2.2s'], 'cycling-result.json');
  assert.equal(json.sent, 30);
  assert.deepEqual(json.stages.map(({ stage, planned, sent }) => ({ stage, planned, sent })), [
    { stage: 1, planned: 10, sent: 10 },
    { stage: 2, planned: 20, sent: 20 },
  ]);
  const cycles = [0, 1, 2].map((cycle) => json.requests.filter((request) => request.scheduledMs > cycle * 1000 && request.scheduledMs <= (cycle + 1) * 1000 + 0.01).length);
  assert.deepEqual(cycles, [15, 15, 0]);
});

test('--stages errors: exit 2, one line each, naming the bad stage by its position', async () => {
  const address = instances[0]!.address;
  const cases: [string[], RegExp[]][] = [
    [['--stages', '10s:100', '--rate', '5'], [/--stages sets the rate and how long to send; give it or --rate, not both$/m]],
    [['--stages', '10s:100', '--duration', '5s', '--requests', '9'], [/give it or --duration, not both \(or add --repeat to cycle the stages for --duration\)$/m, /give it or --requests, not both$/m]],
    [['--stages', '10s:100,1m100'], [/--stages: stage 2 \("1m100"\) needs DURATION:RATE, e.g. 30s:100$/m]],
    [['--stages', '10s:100,5s:-5'], [/--stages: stage 2 \("5s:-5"\): the rate must be a number of requests per second from 0 to 100000, not "-5"$/m]],
    [['--stages', '0s:10'], [/--stages: stage 1 \("0s:10"\): the duration must be a time of at least 1 ms such as 30, 30s or 2m, not "0s"$/m]],
    // A topology's stages have the same bounds: at most 100000/s, at least 1 ms.
    [['--stages', '10s:1e300,10s:1e308'], [/stage 1 \("10s:1e300"\): the rate must be a number of requests per second from 0 to 100000, not "1e300"$/m, /stage 2 \("10s:1e308"\): the rate must be/m]],
    [['--stages', '0.5ms:10'], [/stage 1 \("0.5ms:10"\): the duration must be a time of at least 1 ms/m]],
    [['--stages', `${'9'.repeat(305)}s:100000`], [/^thespian load: --stages: these stages integrate to more requests than can be counted; shorten them$/m]],
    // The nth request is due when the integral reaches n: stages below 1 would send nothing.
    [['--stages', '1s:1'], [/^thespian load: --stages: these stages integrate to 0.5 requests; nothing would be sent$/m]],
    [['--stages', '1ms:1e-323'], [/^thespian load: --stages: .*integrate to 0 requests/m]],
    [['--repeat'], [/^thespian load: --repeat cycles --stages; give --stages too$/m]],
    [['--stages', '1s:10', '--repeat'], [/^thespian load: --repeat needs --duration: how long to cycle the stages$/m]],
    [['--stages', ''], [/--stages is empty; give DURATION:RATE stages separated by commas/m]],
    [['--stages', '10s:0,5s:0'], [/--stages: every stage has rate 0, so nothing would be sent$/m]],
    [['--stages', 'soon:5,10s,3s:x'], [/stage 1 \("soon:5"\): the duration must be/m, /stage 2 \("10s"\) needs DURATION:RATE/m, /stage 3 \("3s:x"\): the rate must be/m]],
  ];
  for (const [args, messages] of cases) {
    const result = await runToExit({}, ['load', '--target', address, ...args]);
    assert.equal(result.code, 2, `load ${args.join(' ')}: ${result.stderr}`);
    for (const message of messages) assert.match(result.stderr, message, `load ${args.join(' ')}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(result.stderr, /unexpected error/, `load ${args.join(' ')}`);
  }
});

test('--stages --repeat --duration cycles the stages until the duration ends', async () => {
  // A cycle of 1 s integrates to 5 + 10; by 2.4 s two cycles and 3.2 of the next ramp (40/s² × 0.4² / 2): 33.
  const { json } = await loadJson(['--target', instances[0]!.address, '--stages', '500ms:20,500ms:20', '--repeat', '--duration', '2.4s'], 'repeat.json');
  assert.equal(json.durationS, 2.4);
  assert.equal(json.sent, 33);
  const cycles = [0, 1, 2].map((cycle) => json.requests.filter((request) => request.scheduledMs > cycle * 1000 && request.scheduledMs <= (cycle + 1) * 1000 + 0.01).length);
  assert.deepEqual(cycles, [15, 15, 3]);
});

test('a topology whose staged entry point integrates to under one request, or has a stage under 1 ms, is refused, with its path', async () => {
  const topologyPath = writeTopology('too-few.json', instances[0]!, [{ service: 'front', method: 'A', stages: [{ for: '1s', rps: 1 }] }]);
  const result = await runToExit({}, ['load', '--topology', topologyPath]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /entry_points\[0\]\.stages: these stages integrate to 0\.5 requests; nothing would be sent$/m);
  // A stage under 1 ms could not be written down for a rendered generator's --stages.
  const tooShort = writeTopology('too-short.json', instances[0]!, [{ service: 'front', method: 'A', stages: [{ for: '0.0001ms', rps: 10 }, { for: '1s', rps: 10 }] }]);
  const short = await runToExit({}, ['load', '--topology', tooShort]);
  assert.equal(short.code, 2, short.stderr);
  assert.match(short.stderr, /entry_points\[0\]\.stages\[0\]\.for: must be a time of at least 1 ms such as "30s", "2m" or "500ms"$/m);
});
