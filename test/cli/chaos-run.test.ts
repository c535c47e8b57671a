// `thespian chaos run TOPOLOGY`: a topology's incident schedule played against instances that
// run elsewhere (a `thespian up --no-incidents`, replicas given with --target), over their real
// admin API; every target checked before the first window; Ctrl-C ends what it injected.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { AdminClient } from '../../src/chaos';
import { PROTO_DIR } from '../../src/config';
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

/** An instance of "back" (or `service`) with the admin API on, as a replica elsewhere would be; its Sleep is "work" unless `sleepName`. */
function startBack(service = 'back', sleepName = 'work'): Promise<InstanceProcess> {
  return startInstance({ behaviour: methodA(service, step(sleep(sleepName, 1))), env: { THESPIAN_ADMIN_TOKEN: TOKEN, SERVICE_NAME: service } });
}

function admin(instance: InstanceProcess): AdminClient {
  const client = new AdminClient(instance.address, TOKEN);
  clients.push(client);
  return client;
}

/** `thespian chaos run ARGS` started, its output gathered as it comes; `closed` resolves to [exit code, signal]. */
function spawnChaosRun(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'chaos', 'run', ...args], { env: { ...process.env, THESPIAN_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output, closed };
}

/** Resolves once `pattern` is in the run's stdout; fails if the run ends first. */
async function waitForStdout(run: ReturnType<typeof spawnChaosRun>, pattern: RegExp): Promise<void> {
  while (!pattern.test(run.output.stdout)) {
    assert.equal(run.child.exitCode, null, `chaos run ended early:\n${run.output.stdout}\n${run.output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A thespian.Admin of our own over real gRPC, as an instance older than ListReply.service
 * answers (List without it), that holds each Inject's answer until `answerInjects` is called
 * and records every Clear: a slow port-forward, where an answer is still on the way at Ctrl-C.
 */
async function startSlowAdmin() {
  const definition = loadSync(join(PROTO_DIR, 'thespian-admin.proto'), { keepCase: true });
  const Admin = (grpc.loadPackageDefinition(definition) as unknown as { thespian: { Admin: grpc.ServiceClientConstructor } }).thespian.Admin;
  const injects: (() => void)[] = [];
  const clears: unknown[] = [];
  let received = (): void => undefined;
  const firstInject = new Promise<void>((resolve) => (received = resolve));
  const server = new grpc.Server();
  server.addService(Admin.service, {
    List: (_call: unknown, reply: grpc.sendUnaryData<object>) => reply(null, { incidents: [] }),
    Inject: (_call: unknown, reply: grpc.sendUnaryData<object>) => {
      injects.push(() => reply(null, { id: `slow-${injects.length}` }));
      received();
    },
    Clear: (call: grpc.ServerUnaryCall<object, object>, reply: grpc.sendUnaryData<object>) => {
      clears.push(call.request);
      reply(null, { cleared: 1 });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    address: `127.0.0.1:${port}`,
    firstInject,
    clears,
    answerInjects: () => injects.forEach((answer) => answer()),
    close: () => server.forceShutdown(),
  };
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
    const run = spawnChaosRun([topologyPath, ...replicas.flatMap((replica) => ['--target', `back=${replica.address}`]), '--clear-on-exit']);
    await waitForStdout(run, /incident "flapping" started/);
    assert.match(run.output.stdout, /schedule repeats until Ctrl-C/);
    assert.deepEqual(await incidentNames(admin(replicas[0]!)), ['flapping']);
    assert.deepEqual((await incidentNames(admin(replicas[1]!))).sort(), ['by hand', 'flapping']);
    run.child.kill('SIGINT');
    const [code] = await run.closed;
    const { stdout, stderr } = run.output;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\+0:\d\d\.\d  SIGINT: stopped; cleared 2 incidents this run had in effect$/m);
    assert.match(stdout, /^\+0:\d\d\.\d  --clear-on-exit: cleared 1 more incident on the targets$/m);
    assert.match(stdout, /^chaos run: 1 window started, 0 refused$/m);
    for (const replica of replicas) assert.deepEqual(await incidentNames(admin(replica)), [], 'nothing is left in effect');
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
});

test('SIGINT while an Inject is on the way clears that incident once it is answered; an instance that does not say its service passes the check', async () => {
  const slow = await startSlowAdmin();
  try {
    const topologyPath = await writeTopology('slow.json', [{ name: 'slow', at: '0s', for: '10m', ...FAIL_WORK }]);
    const run = spawnChaosRun([topologyPath, '--target', `back=${slow.address}`]);
    await slow.firstInject;
    run.child.kill('SIGINT');
    // The answer is to come after the run has seen the signal, which it does not show: this wait makes
    // that all but sure. A busy machine can only make the answer early, and the test pass regardless.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    slow.answerInjects();
    const [code] = await run.closed;
    const { stdout, stderr } = run.output;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '', 'an instance without ListReply.service is not complained of');
    assert.match(stdout, /^every target answered; offsets count from now$/m);
    assert.deepEqual(slow.clears, [{ id: 'slow-1' }], 'the incident answered after the signal is cleared');
    assert.match(stdout, /^\+0:\d\d\.\d  SIGINT: stopped; cleared 1 incident this run had in effect$/m);
  } finally {
    slow.close();
  }
});

test('a window whose instance has gone by its time is said as refused, and the run exits 1', async () => {
  const back = await startBack();
  let backStopped = false;
  try {
    const topologyPath = await writeTopology('gone.json', [{ name: 'too late', at: '1500ms', for: '1s', ...FAIL_WORK }]);
    const run = spawnChaosRun([topologyPath, '--target', `back=${back.address}`]);
    run.child.stdout.on('data', () => {
      // Once every target has answered the check, the instance goes away (at once: SIGKILL) before the window.
      if (!backStopped && run.output.stdout.includes('every target answered')) {
        backStopped = true;
        void back.stop('SIGKILL');
      }
    });
    const [code] = await run.closed;
    const { stdout } = run.output;
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
        'thespian chaos run: 1 of 1 target failed the check (a refusal, out of reach, or another service); nothing was injected\n',
    );
    assert.doesNotMatch(run.stdout, /started|every target answered/);
    assert.deepEqual(await incidentNames(admin(back)), []);
  } finally {
    await back.stop();
  }
});

test('a target that is another service fails the check, a line each; --clear-on-exit still clears the targets that passed, and only those', async () => {
  const back = await startBack();
  const front = await startBack('front');
  try {
    const topologyPath = await writeTopology('swapped.json', [{ name: 'later', at: '1h', for: '1m', ...FAIL_WORK }]);
    for (const instance of [back, front]) assert.ok((await admin(instance).inject({ name: 'by hand', latency_factor: 2, duration_ms: 600_000 })).ok);
    // As a port-forward to the wrong pod is: the second "back" is front's admin API.
    const run = await chaosRun([topologyPath, '--target', `back=${back.address}`, '--target', `back=${front.address}`, '--clear-on-exit']);
    assert.equal(run.code, 1, run.stdout);
    assert.equal(
      run.stderr,
      `thespian chaos run: ${front.address} is front, not back\n` + 'thespian chaos run: 1 of 2 targets failed the check (a refusal, out of reach, or another service); nothing was injected\n',
    );
    assert.match(run.stdout, /^--clear-on-exit: cleared 1 incident on the 1 target that passed the check$/m);
    assert.deepEqual(await incidentNames(admin(back)), []);
    assert.deepEqual(await incidentNames(admin(front)), ['by hand'], "another service's incidents are not this run's to clear");
  } finally {
    await Promise.all([back.stop(), front.stop()]);
  }
});

test('an incident the instance refuses (its behaviour has no such step) is one readable line, and the run exits 1', async () => {
  const older = await startBack('back', 'work (old name)');
  try {
    const topologyPath = await writeTopology('renamed.json', [{ name: 'soon', at: '0s', for: '1s', ...FAIL_WORK }]);
    const run = await chaosRun([topologyPath, '--target', `back=${older.address}`]);
    assert.equal(run.code, 1, run.stderr);
    const address = older.address.replace(/\./g, '\\.');
    assert.match(run.stdout, new RegExp(`^\\+0:\\d\\d\\.\\d  incident "soon" NOT started on back: ${address}: the instance refused the incident: step: "work" is not a Sleep of "back"; its Sleeps: "work \\(old name\\)"$`, 'm'));
    assert.doesNotMatch(run.stdout, /:;/, 'a line that introduces the next runs on into it');
  } finally {
    await older.stop();
  }
});

test('bad input exits 2 with a line each: no token, no incidents, an unknown --target service, a --target given twice', async () => {
  const topologyPath = await writeTopology('some.json', [{ name: 'x', at: '1s', for: '1s', ...FAIL_WORK }]);
  const noToken = await chaosRun([topologyPath], null);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /^thespian chaos: THESPIAN_ADMIN_TOKEN: not set/);

  const calm = await writeTopology('calm.json', []);
  const twice = await chaosRun([topologyPath, '--target', 'back=127.0.0.1:1', '--target', 'back=127.0.0.1:2', '--target', 'back=127.0.0.1:1', '--target', 'back=127.0.0.1:1']);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^thespian chaos: --target back=127\.0\.0\.1:1: given more than once; each target gets every window, so once is enough\n/);
  assert.equal(twice.stderr.match(/given more than once/g)?.length, 1, 'one line for the flag, however often it is repeated');

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
