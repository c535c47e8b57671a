// `thespian chaos run TOPOLOGY`: a topology's incident schedule played against instances that
// run elsewhere (a `thespian up --no-incidents`, replicas given with --target), over their real
// admin API; every target checked before the first window; Ctrl-C ends what it injected.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient } from '../../src/chaos';
import { CLI, closeClients, runToExit, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { freePorts, startUp, tempDir, writeJson } from '../up/up-helpers';

const TOKEN = 'chaos-run-test-token-0123456789';
const dir = tempDir();
const clients: AdminClient[] = [];

after(() => {
  closeClients();
  for (const client of clients) client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** front calls back; back's Sleep "work" is what the incidents fail. */
async function writeTopology(name: string, incidents: object[], ports?: [number, number]): Promise<string> {
  const [front, back] = ports ?? (await freePorts(2));
  return writeJson(dir, name, {
    services: {
      front: { port: front, behaviour: { grpc_method_a: { tracing_name: 'front', operations: [{ Action: { CallService: { service: 'back', grpc_method: 'A' } } }] } } },
      back: { port: back, behaviour: { grpc_method_a: { tracing_name: 'back', operations: [{ Action: { Sleep: { tracing_name: 'work', duration_ms: 1 } } }] } } },
    },
    entry_points: [{ service: 'front', method: 'A', rps: 10 }],
    incidents,
  });
}

const FAIL_WORK = { service: 'back', step: 'work', failure_chance: 1, failure_code: 'UNAVAILABLE' };

const chaosRun = (args: string[], token: string | null = TOKEN) => runToExit(token === null ? {} : { THESPIAN_ADMIN_TOKEN: token }, ['chaos', 'run', ...args], 60_000);

/** An instance of "back" with the admin API on, as a replica elsewhere would be. */
function startBack(): Promise<InstanceProcess> {
  return startInstance({ behaviour: methodA('back', step(sleep('work', 1))), env: { THESPIAN_ADMIN_TOKEN: TOKEN, SERVICE_NAME: 'back' } });
}

function admin(instance: InstanceProcess): AdminClient {
  const client = new AdminClient(instance.address, TOKEN);
  clients.push(client);
  return client;
}

async function incidentNames(client: AdminClient): Promise<string[]> {
  const answer = await client.list();
  assert.ok(answer.ok, 'List answered');
  return answer.reply.incidents.map((incident) => incident.name);
}

test('against `thespian up --no-incidents` with the same token: each window started and ended, its spans marked, exit 0', async () => {
  const topologyPath = await writeTopology('played-elsewhere.json', [{ name: 'back down', at: '500ms', for: '1500ms', ...FAIL_WORK }]);
  const jsonPath = join(dir, 'spans.jsonl');
  const up = startUp([topologyPath, '--no-incidents', '--quiet', '--json', jsonPath], { THESPIAN_ADMIN_TOKEN: TOKEN });
  try {
    await up.waitForOutput(/^Ctrl-C stops everything\.$/m);
    assert.match(up.stdout(), /^admin API: on, with your THESPIAN_ADMIN_TOKEN/m);
    const run = await chaosRun([topologyPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^targets: back 127\.0\.0\.1:\d+$/m);
    assert.match(run.stdout, /^\+0:0\d\.\d  incident "back down" started on back \(A, B, C › work: fails UNAVAILABLE 1\) for 1\.5 s, until \+0:02\.0$/m);
    assert.match(run.stdout, /^\+0:0\d\.\d  incident "back down" ended on back$/m);
    assert.match(run.stdout, /^chaos run: 1 window started, 0 refused$/m);
  } finally {
    up.child.kill('SIGINT');
    await up.exited;
  }
  const marked = readFileSync(jsonPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { name?: string; attributes?: Record<string, unknown> })
    .filter((span) => span.attributes?.['thespian.incident'] === 'back down');
  assert.ok(marked.length > 0, 'the incident changed requests that up sent');
  assert.ok(marked.every((span) => span.name === 'work'));
});

test('SIGINT during a repeating schedule clears what it injected on every replica; --clear-on-exit also what others left', async () => {
  const replicas = [await startBack(), await startBack()];
  try {
    const topologyPath = await writeTopology('repeating.json', [{ name: 'flapping', at: '0s', for: '10m', repeat_every: '20m', ...FAIL_WORK }]);
    const byHand = await admin(replicas[1]!).inject({ name: 'by hand', latency_factor: 2, duration_ms: 600_000 });
    assert.ok(byHand.ok);
    const child = spawn(process.execPath, [CLI, 'chaos', 'run', topologyPath, ...replicas.flatMap((replica) => ['--target', `back=${replica.address}`]), '--clear-on-exit'], {
      env: { ...process.env, THESPIAN_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = once(child, 'close');
    while (!/incident "flapping" started/.test(stdout)) {
      assert.equal(child.exitCode, null, `chaos run ended early:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(stdout, /schedule repeats until Ctrl-C/);
    assert.deepEqual(await incidentNames(admin(replicas[0]!)), ['flapping']);
    assert.deepEqual((await incidentNames(admin(replicas[1]!))).sort(), ['by hand', 'flapping']);
    child.kill('SIGINT');
    const [code] = await closed;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\+0:\d\d\.\d  SIGINT: stopped; cleared 2 incidents this run had in effect$/m);
    assert.match(stdout, /^\+0:\d\d\.\d  --clear-on-exit: cleared 1 more incident on the targets$/m);
    assert.match(stdout, /^chaos run: 1 window started, 0 refused$/m);
    for (const replica of replicas) assert.deepEqual(await incidentNames(admin(replica)), [], 'nothing is left in effect');
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
});

test('a window whose instance has gone by its time is said as refused, and the run exits 1', async () => {
  const back = await startBack();
  let backStopped = false;
  try {
    const topologyPath = await writeTopology('gone.json', [{ name: 'too late', at: '1500ms', for: '1s', ...FAIL_WORK }]);
    const child = spawn(process.execPath, [CLI, 'chaos', 'run', topologyPath, '--target', `back=${back.address}`], { env: { ...process.env, THESPIAN_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // Once every target has answered the check, the instance goes away (at once: SIGKILL) before the window.
      if (!backStopped && stdout.includes('every target answered')) {
        backStopped = true;
        void back.stop('SIGKILL');
      }
    });
    const [code] = await once(child, 'close');
    assert.equal(code, 1, stdout);
    assert.match(stdout, new RegExp(`^\\+0:\\d\\d\\.\\d  incident "too late" NOT started on back: ${back.address.replace(/\./g, '\\.')}: cannot reach the instance .*$`, 'm'));
    assert.match(stdout, /^chaos run: 0 windows started, 1 refused$/m);
  } finally {
    if (!backStopped) await back.stop();
  }
});

test('a wrong token exits 1 at once, before the first window, with one line per target; nothing is injected', async () => {
  const back = await startBack();
  try {
    // An hour away: were the check not made first, the command would wait for it and the test time out.
    const topologyPath = await writeTopology('far-away.json', [{ name: 'later', at: '1h', for: '1m', ...FAIL_WORK }]);
    const run = await chaosRun([topologyPath, '--target', `back=${back.address}`], 'a-wrong-token-of-enough-length');
    assert.equal(run.code, 1, run.stdout);
    assert.equal(
      run.stderr,
      `thespian chaos run: back ${back.address}: admin API refused: wrong token, or THESPIAN_ADMIN_TOKEN not set on the instance\n` +
        'thespian chaos run: 1 of 1 target refused the check or could not be reached; nothing was injected\n',
    );
    assert.doesNotMatch(run.stdout, /started|every target answered/);
    assert.deepEqual(await incidentNames(admin(back)), []);
  } finally {
    await back.stop();
  }
});

test('bad input exits 2 with a line each: no token, no incidents, an unknown --target service', async () => {
  const topologyPath = await writeTopology('some.json', [{ name: 'x', at: '1s', for: '1s', ...FAIL_WORK }]);
  const noToken = await chaosRun([topologyPath], null);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /^thespian chaos: THESPIAN_ADMIN_TOKEN: not set/);

  const calm = await writeTopology('calm.json', []);
  const noIncidents = await chaosRun([calm]);
  assert.equal(noIncidents.code, 2);
  assert.match(noIncidents.stderr, /calm\.json has no incidents to play/);

  const unknown = await chaosRun([topologyPath, '--target', 'bak=127.0.0.1:1', '--target', 'nope=2']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--target bak=127\.0\.0\.1:1: unknown service "bak" \(did you mean "back"\?\); services are: front, back\n--target nope=127\.0\.0\.1:2: unknown service "nope"; services are: front, back\n/);

  const noTopology = await chaosRun([]);
  assert.equal(noTopology.code, 2);
  assert.match(noTopology.stderr, /which topology\? thespian chaos run TOPOLOGY/);
  const injectFlag = await chaosRun([topologyPath, '--for', '5s']);
  assert.equal(injectFlag.code, 2);
  assert.match(injectFlag.stderr, /--for is for chaos inject only/);
});
