import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { AdminClient } from '../../src/chaos';
import { loadTopology } from '../../src/topology';
import { CLI, runToExit } from '../support/instance-process';
import { tempDir, writeJson } from '../up/up-helpers';
import { shopTopology, startStack, type Stack } from './verify-helpers';

/**
 * What verify leaves behind when it plays a topology's incidents: nothing, even when it is
 * interrupted in the middle of a long window (the instances would otherwise keep failing for the
 * rest of it), and no sending for hours to reach a window far away (refused before anything
 * is sent). Real instances with the admin API on; the instance's own List says what is in effect.
 */
const TOKEN = 'verify-safety-token-0123456789ab';
let stack: Stack;
let back: AdminClient;

/** The shop with one incident on back's card network: a window of ten minutes from 1 s. */
function withLongWindow(ports: { front: number; back: number }): object {
  const topology = shopTopology(ports) as any;
  topology.incidents = [{ name: 'long outage', at: '1s', for: '10m', service: 'back', method: 'A', step: 'card network', failure_chance: 1, failure_code: 'UNAVAILABLE' }];
  return topology;
}

before(async () => {
  stack = await startStack({ topology: withLongWindow, env: { THESPIAN_ADMIN_TOKEN: TOKEN } });
  const backService = loadTopology(stack.topologyPath).services.find((service) => service.name === 'back')!;
  back = new AdminClient(`127.0.0.1:${backService.port}`, TOKEN);
});

after(async () => {
  back?.close();
  await stack?.close();
});

async function incidentNames(admin: AdminClient): Promise<string[]> {
  const answer = await admin.list();
  assert.ok(answer.ok, 'List answered');
  return answer.reply.incidents.map((incident) => incident.name);
}

const incidentsOnBack = () => incidentNames(back);

/** verify of a long-window topology, running until the window has started. */
async function verifyInWindow(topologyPath: string, admin: AdminClient, extra: string[] = []) {
  // Nothing is read back before the signal, so the trace backend need not exist.
  const child = spawn(process.execPath, [CLI, 'verify', '--topology', topologyPath, '--tempo', 'http://127.0.0.1:9', '--requests', '10', '--rate', '10', ...extra], {
    env: { ...process.env, THESPIAN_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stderr: '' };
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  child.stdout.resume();
  const closed = once(child, 'close').then(([code]) => code as number | null);
  while (!/incident "long outage" started on back/.test(output.stderr)) {
    assert.equal(child.exitCode, null, `verify ended before the window started:\n${output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output, closed, inEffectBefore: await incidentNames(admin) };
}

/** verify of the long-window shop, signalled once the window has started; its exit status and output. */
async function interruptedVerify(signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; inEffectBefore: string[] }> {
  const run = await verifyInWindow(stack.topologyPath, back);
  run.child.kill(signal);
  const code = await run.closed;
  return { code, stderr: run.output.stderr, inEffectBefore: run.inEffectBefore };
}

for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while verify plays a ten-minute window clears the incident on the instance and exits ${exitCode}`, async () => {
    const run = await interruptedVerify(signal);
    assert.deepEqual(run.inEffectBefore, ['long outage'], 'the window was in effect when the signal came');
    assert.equal(run.code, exitCode, run.stderr);
    assert.match(run.stderr, new RegExp(`^thespian verify: ${signal}: stopped; cleared 1 incident it had in effect$`, 'm'));
    assert.ok(!run.stderr.includes('    at '), 'no stack trace');
    assert.deepEqual(await incidentsOnBack(), [], 'nothing is left in effect on the instance');
  });
}

test('the first signal clears at once, before the requests in flight answer; a second exits at once', async () => {
  // back takes a minute over each request, so every request verify sent is still in flight at the signals.
  const slow = await startStack({
    topology: (ports) => {
      const topology = withLongWindow(ports) as any;
      topology.services.back.behaviour.grpc_method_a.operations[0].Action.Sleep.duration_ms = 60_000;
      return topology;
    },
    env: { THESPIAN_ADMIN_TOKEN: TOKEN, THESPIAN_SHUTDOWN_GRACE_MS: '0' },
  });
  const slowBack = new AdminClient(`127.0.0.1:${loadTopology(slow.topologyPath).services.find((service) => service.name === 'back')!.port}`, TOKEN);
  try {
    const run = await verifyInWindow(slow.topologyPath, slowBack, ['--timeout', '120s']);
    assert.deepEqual(run.inEffectBefore, ['long outage']);
    run.child.kill('SIGINT');
    // Polled without a deadline of its own: the test's timeout bounds it.
    while ((await incidentNames(slowBack)).length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(run.child.exitCode, null, 'verify still waits for its requests in flight');
    run.child.kill('SIGINT');
    assert.equal(await run.closed, 130);
    assert.doesNotMatch(run.output.stderr, /stopped; cleared/, 'it did not wait to say so');
  } finally {
    slowBack.close();
    await slow.close();
  }
});

test('a window far away is refused before anything is sent (exit 2, one line naming its "at" and --no-incidents)', async () => {
  const dir = tempDir();
  const shop = loadTopology(stack.topologyPath);
  const ports = { front: shop.services.find((service) => service.name === 'front')!.port, back: shop.services.find((service) => service.name === 'back')!.port };
  const far = shopTopology(ports) as any;
  far.incidents = [{ name: 'nightly outage', at: '8h', for: '2s', service: 'back', step: 'card network', failure_chance: 1 }];
  const run = await runToExit({ THESPIAN_ADMIN_TOKEN: TOKEN }, ['verify', '--topology', writeJson(dir, 'far.json', far), '--tempo', 'http://127.0.0.1:9'], 30_000);
  assert.equal(run.code, 2, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, run.stderr);
  assert.match(lines[0]!, /^thespian verify: incident "nightly outage" starts at \+8:00:00\.0 \(its "at"\) and lasts 2 s: covering the incidents' first windows would take 576080 requests over 8 h at 20 requests\/s, more than verify sends \(at most 1 h and 100000 requests\);.* give --no-incidents/);
  assert.equal(lines[1], 'see `thespian verify --help`');
  assert.doesNotMatch(run.stderr, /sending/, 'nothing was sent');
  assert.deepEqual(await incidentsOnBack(), [], 'nothing was injected');

  // Near, but at a rate that makes it more than 100 000 requests: refused for the count.
  far.incidents[0].at = '60s';
  const fast = await runToExit({ THESPIAN_ADMIN_TOKEN: TOKEN }, ['verify', '--topology', writeJson(dir, 'fast.json', far), '--tempo', 'http://127.0.0.1:9', '--rate', '2000'], 30_000);
  assert.equal(fast.code, 2, fast.stderr);
  assert.match(fast.stderr, /^thespian verify: incident "nightly outage" starts at \+1:00\.0 \(its "at"\) and lasts 2 s: covering the incidents' first windows would take 128000 requests over 64 s at 2000 requests\/s/m);
});
