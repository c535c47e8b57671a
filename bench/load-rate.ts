/**
 * Load benchmark (issue "Drive it and check the pipeline"). Run: npm run bench -- load-rate
 *
 * Against one Thespian whose method A is a single 0 ms sleep (spans made but not exported, no
 * per-request log lines, so the instance is as fast as it gets), in the same run:
 *   1. baseline: the rate a plain @grpc/grpc-js client loop reaches (closed loop, generated
 *      client, N calls kept in flight), in its own process;
 *   2. the maximum rate `thespian load` sustains from one process: the highest --rate at which
 *      it sends within 2% of the rate asked, the answers come back at that rate too (in the
 *      steady part of the run) and almost all are OK; found by stepping up, then bisecting;
 *   3. the same rate with the other --channels setting;
 *   4. the error of the achieved rate at 50% of that maximum.
 * Also the CPU time each client spends per request, which noise on a shared machine disturbs
 * less than rates, against a bare paced grpc-js client at the same rate. Both clients share 2 cores with the instance, so the figures are ratios
 * more than numbers.
 *
 * Options (env): BENCH_SECONDS (length of each probe, default 5), BENCH_CHANNELS (load's
 * --channels, default 1), BENCH_CONCURRENCY (baseline calls in flight, default "64,256").
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PROBE_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 1);
const BASELINE_CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '64,256').split(',').map(Number);
/** Rate held: sent and answered within this fraction of the rate asked. */
const TOLERANCE = 0.02;

const ZERO_MS = { grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 0 } } }] } };

interface LoadJson {
  targetRate: number;
  achievedRate: number;
  sent: number;
  completed: number;
  elapsedS: number;
  counts: Record<string, number>;
  sendLagMs: { p50: number; p99: number; max: number };
  keptUp: boolean;
  latencyMs: { fromScheduled: { p50: number; p99: number } };
  processCpuPercent: number;
  requests: { scheduledMs: number; latencyMs: number }[];
}

interface Probe {
  rate: number;
  sustained: boolean;
  why: string;
  result: LoadJson;
}

// ---- the plain grpc-js client loop, run as a child process of this script --------------------

async function baselineChild(address: string, concurrency: number, seconds: number): Promise<void> {
  const grpc = await import('@grpc/grpc-js');
  const { loadProtocol } = require('../src/server/protocol') as typeof import('../src/server/protocol');
  const Client = loadProtocol().ThespianClient;
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as Record<'A', (request: object, callback: (error: Error | null) => void) => void> & { close(): void };
  const call = () => new Promise<boolean>((resolve) => client.A({}, (error) => resolve(error === null)));
  await call(); // connect before the clock starts
  let ok = 0;
  let failed = 0;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      if (await call()) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = ok / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuAtStart);
  client.close();
  process.stdout.write(JSON.stringify({ rate, failed, cpuMicrosPerRequest: (cpu.user + cpu.system) / (ok + failed) }));
}

/**
 * The least a client can do to send open-loop at `rate`: the same timer pacing as load, a bare
 * grpc-js unary call per request, and no bookkeeping at all. Its CPU per request is what load's
 * own work (histograms, trace ids, per-request records) is compared with.
 */
async function pacedChild(address: string, rate: number, seconds: number): Promise<void> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const empty = Buffer.alloc(0);
  const metadata = new grpc.Metadata();
  const total = Math.round(rate * seconds);
  let answered = 0;
  const send = (onDone: () => void) =>
    client.makeUnaryRequest('/thespian.Thespian/A', () => empty, () => ({}), null, metadata, {}, () => onDone());
  await new Promise<void>((resolve) => send(resolve)); // connect before the clock starts
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      while (next < total && started + (next * 1000) / rate <= performance.now()) {
        next++;
        send(() => {
          if (++answered === total) resolve();
        });
      }
      if (next < total) setTimeout(tick, Math.max(1, Math.ceil(started + (next * 1000) / rate - performance.now())));
    };
    tick();
  });
  const cpu = process.cpuUsage(cpuAtStart);
  client.close();
  process.stdout.write(JSON.stringify({ cpuMicrosPerRequest: (cpu.user + cpu.system) / total }));
}

// ---- helpers -------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function startZeroMsInstance(): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  // Output to /dev/null: a parent reading it would take CPU from the clients being measured.
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    env: { ...process.env, PORT: String(port), CONFIG_JSON: JSON.stringify(ZERO_MS), OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const address = `127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const poke = await run([CLI, 'poke', address]);
    if (poke.code === 0) break;
    if (attempt > 50 || child.exitCode !== null) throw new Error(`instance did not start: ${poke.stderr}`);
    await delay(200);
  }
  return {
    address,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

async function baseline(address: string, concurrency: number, seconds: number): Promise<{ rate: number; cpuMicrosPerRequest: number }> {
  const result = await run(['--import', 'tsx', __filename, '--baseline', address, String(concurrency), String(seconds)]);
  if (result.code !== 0) throw new Error(`baseline failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { rate: number; cpuMicrosPerRequest: number };
}

/**
 * Answers per second in the steady part of the run: from 20% of the schedule to its end, which
 * leaves out the start (cold code) and the drain after the last send. A server that keeps up
 * answers at the rate it is sent to; one that does not answers at its own capacity.
 */
function steadyAnswerRate(result: LoadJson, rate: number): number {
  const spanMs = (result.sent / rate) * 1000;
  const from = spanMs * 0.2;
  let answered = 0;
  for (const request of result.requests) {
    const endedMs = request.scheduledMs + request.latencyMs;
    if (endedMs >= from && endedMs < spanMs) answered++;
  }
  return (answered * 1000) / (spanMs - from);
}

async function paced(address: string, rate: number, seconds: number): Promise<number> {
  const result = await run(['--import', 'tsx', __filename, '--paced', address, String(rate), String(seconds)]);
  if (result.code !== 0) throw new Error(`paced client failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { cpuMicrosPerRequest: number }).cpuMicrosPerRequest;
}

/** CPU time the load process spent per request sent, in µs. */
function cpuPerRequest(result: LoadJson): number {
  return (result.processCpuPercent * 10 * result.elapsedS * 1000) / Math.max(1, result.sent);
}

async function probe(address: string, rate: number, seconds: number, dir: string, channels = CHANNELS): Promise<Probe> {
  const jsonPath = join(dir, `load-${rate}.json`);
  const args = [CLI, 'load', '--target', address, '--rate', String(rate), '--duration', String(seconds), '--channels', String(channels), '--quiet', '--json', jsonPath];
  const outcome = await run(args);
  if (outcome.code !== 0) throw new Error(`load failed: ${outcome.stderr}`);
  const result = JSON.parse(readFileSync(jsonPath, 'utf8')) as LoadJson;
  rmSync(jsonPath);
  const answeredRate = steadyAnswerRate(result, rate);
  const failed = result.completed - (result.counts.OK ?? 0);
  let why = '';
  if (result.achievedRate < rate * (1 - TOLERANCE)) why = `sent only ${result.achievedRate.toFixed(0)}/s`;
  else if (answeredRate < rate * (1 - TOLERANCE)) why = `answers came back at ${answeredRate.toFixed(0)}/s`;
  else if (failed > result.completed * 0.01) why = `${failed} requests failed`;
  return { rate, sustained: why === '', why, result };
}

function describe(probe: Probe): string {
  const r = probe.result;
  return `${String(probe.rate).padStart(6)}/s  sent ${r.achievedRate.toFixed(0).padStart(6)}/s  answered ${steadyAnswerRate(r, probe.rate).toFixed(0).padStart(6)}/s  send lag p99 ${r.sendLagMs.p99.toFixed(1).padStart(6)} ms  latency p99 ${r.latencyMs.fromScheduled.p99.toFixed(1).padStart(7)} ms  cpu ${cpuPerRequest(r).toFixed(0).padStart(4)} µs/req  ${probe.sustained ? 'held' : `NOT held: ${probe.why}`}`;
}

// ---- the benchmark -------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-load-bench-'));
  const instance = await startZeroMsInstance();
  try {
    // Warm the instance's JIT so the first measurement is not the slowest.
    await baseline(instance.address, 64, 2);

    console.log(`baseline: plain @grpc/grpc-js client loop, closed loop, ${PROBE_SECONDS} s each`);
    let baselineRate = 0;
    let baselineCpu = 0;
    let bestConcurrency = BASELINE_CONCURRENCY[0]!;
    for (const concurrency of BASELINE_CONCURRENCY) {
      const { rate, cpuMicrosPerRequest } = await baseline(instance.address, concurrency, PROBE_SECONDS);
      console.log(`  ${String(concurrency).padStart(4)} in flight   ${rate.toFixed(0).padStart(7)} req/s   cpu ${cpuMicrosPerRequest.toFixed(0)} µs/req`);
      if (rate > baselineRate) [baselineRate, baselineCpu, bestConcurrency] = [rate, cpuMicrosPerRequest, concurrency];
    }

    console.log(`\nthespian load (open loop, --channels ${CHANNELS}), ${PROBE_SECONDS} s per probe`);
    const probes: Probe[] = [];
    const attempt = async (rate: number) => {
      const result = await probe(instance.address, Math.round(rate), PROBE_SECONDS, dir);
      console.log(`  ${describe(result)}`);
      probes.push(result);
      return result;
    };
    // Step up from half the baseline until a rate is not held, then bisect between the two.
    let held = 0;
    let notHeld = 0;
    for (let rate = baselineRate * 0.5; ; rate *= 1.25) {
      const result = await attempt(rate);
      if (!result.sustained) {
        notHeld = result.rate;
        break;
      }
      held = result.rate;
      if (rate > baselineRate * 4) break;
    }
    if (held === 0) {
      // Even half the baseline was too much: come down until a rate holds.
      for (let rate = notHeld * 0.7; held === 0 && rate >= 50; rate *= 0.7) {
        const result = await attempt(rate);
        if (result.sustained) held = result.rate;
        else notHeld = result.rate;
      }
    }
    if (held === 0) {
      console.log('  no rate held: the machine is too busy to measure');
      return;
    }
    for (let step = 0; step < 3 && notHeld > 0 && notHeld - held > held * 0.03; step++) {
      const result = await attempt((held + notHeld) / 2);
      if (result.sustained) held = result.rate;
      else notHeld = result.rate;
    }

    const maxProbe = probes.filter((candidate) => candidate.rate === held).at(-1)!;
    const otherChannels = CHANNELS === 1 ? 2 : 1;
    const channelsProbe = await probe(instance.address, held, PROBE_SECONDS, dir, otherChannels);
    console.log(`  same rate, --channels ${otherChannels}: ${describe(channelsProbe)}`);

    // The machine may have got busier or quieter during the search: measure the baseline again.
    const again = await baseline(instance.address, bestConcurrency, PROBE_SECONDS);
    console.log(`  plain loop again (${bestConcurrency} in flight): ${again.rate.toFixed(0)} req/s   cpu ${again.cpuMicrosPerRequest.toFixed(0)} µs/req`);

    const half = Math.round(held / 2);
    const halfSeconds = PROBE_SECONDS * 2;
    const halfProbe = await probe(instance.address, half, halfSeconds, dir);
    const error = (halfProbe.result.achievedRate / half - 1) * 100;
    console.log(`  at 50% of the maximum, ${halfSeconds} s: ${describe(halfProbe)}`);
    const bareCpu = await paced(instance.address, half, halfSeconds);
    console.log(`  bare paced grpc-js client at ${half}/s, ${halfSeconds} s: cpu ${bareCpu.toFixed(0)} µs/req`);

    console.log('\nresult');
    console.log(`  plain grpc-js client loop        ${baselineRate.toFixed(0).padStart(7)} req/s   cpu ${baselineCpu.toFixed(0)} µs/req   (${again.rate.toFixed(0)} req/s when measured again after the search)`);
    console.log(`  thespian load, max sustained     ${String(held).padStart(7)} req/s   cpu ${cpuPerRequest(maxProbe.result).toFixed(0)} µs/req   (${(held / baselineRate).toFixed(2)} × the plain loop's rate)`);
    console.log(`  achieved-rate error at ${String(half).padStart(5)}/s  ${error >= 0 ? '+' : ''}${error.toFixed(2)}%   (target within ±2%)`);
    console.log(`  load's CPU per request at ${half}/s  ${(cpuPerRequest(halfProbe.result) / bareCpu).toFixed(2)} × a bare paced grpc-js client's`);
  } finally {
    await instance.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--baseline') {
  void baselineChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else if (process.argv[2] === '--paced') {
  void pacedChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
