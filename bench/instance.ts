/**
 * Instance benchmark (issue "The Thespian instance"). Run: npm run bench -- instance
 *
 * 1. Throughput: a Thespian whose method A is one 0 ms sleep, exporting every span to a live
 *    OTLP receiver and logging to stdout, against a bare @grpc/grpc-js server that answers A with
 *    nothing. Same client, same concurrency, in alternating rounds so that the machine's drift
 *    hits both alike. Target: Thespian ≥ 0.6 × bare (the median of the rounds' ratios).
 * 2. Sleep accuracy: 50 ms sleeps with N calls in flight, measured from the Sleep spans the
 *    receiver got. Target: p99 of |duration − 50 ms| ≤ 2 ms with 1,000 in flight. The baseline is
 *    a bare @grpc/grpc-js server that waits with setTimeout and measures its own waits, under the
 *    same client. Thespian runs twice per level: with its timer thread at normal priority, and
 *    with the default THESPIAN_TIMER_PRIORITY=auto, which gets a real-time thread where the
 *    process may have one (root or CAP_SYS_NICE, or RLIMIT_RTPRIO ≥ 1); without that permission
 *    the second run is skipped and the reason printed.
 *
 * Options (env): BENCH_SECONDS (default 8 per throughput run), BENCH_ROUNDS (default 5),
 * BENCH_CONCURRENCY (default 64), BENCH_SLEEP_CALLS (default 5000 per level),
 * BENCH_IN_FLIGHT (default "100,1000").
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { startReceiverProcess } from './support/receiver-client';
import { closedLoop, keepInFlight } from './support/closed-loop';
import { startChild } from './support/child-server';

const ROOT = join(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sleepCalls = Number(process.env.BENCH_SLEEP_CALLS ?? 5000);
const inFlightLevels = (process.env.BENCH_IN_FLIGHT ?? '100,1000').split(',').map(Number);
const SLEEP_MS = 50;

const behaviour = (durationMs: number) =>
  JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: durationMs } } }] } });

type Receiver = Awaited<ReturnType<typeof startReceiverProcess>>;

const bareServer = (env: Record<string, string> = {}) => startChild(['--import', 'tsx', join(__dirname, 'support', 'bare-server.ts')], env);
const thespian = (receiver: Receiver, durationMs: number, env: Record<string, string> = {}) =>
  startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    CONFIG_JSON: behaviour(durationMs),
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: receiver.endpoint,
    ...env,
  });

async function measureRate(server: { port: number }): Promise<{ rate: number; errors: number }> {
  await closedLoop(`127.0.0.1:${server.port}`, concurrency, 2); // warm-up
  return closedLoop(`127.0.0.1:${server.port}`, concurrency, seconds);
}

async function throughput(receiver: Receiver) {
  console.log(`throughput (closed loop, ${concurrency} in flight, ${seconds} s per run, ${rounds} rounds alternating)`);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const bare = await bareServer();
    const bareResult = await measureRate(bare);
    await bare.stop();

    const instance = await thespian(receiver, 0);
    await closedLoop(`127.0.0.1:${instance.port}`, concurrency, 2);
    await receiver.clear();
    const result = await closedLoop(`127.0.0.1:${instance.port}`, concurrency, seconds);
    await instance.stop();
    const spans = await receiver.count();
    const expected = Math.round(result.rate * seconds) * 3;
    ratios.push(result.rate / bareResult.rate);
    console.log(
      `  round ${round}: bare ${bareResult.rate.toFixed(0).padStart(5)} req/s   thespian ${result.rate.toFixed(0).padStart(5)} req/s (errors ${result.errors}, spans ${spans} of about ${expected})   ratio ${ratios.at(-1)!.toFixed(2)}`,
    );
  }
  console.log(`  ratio, median of rounds  ${median(ratios).toFixed(2)}   (target ≥ 0.60)`);
}

async function sleepAccuracy(receiver: Receiver) {
  console.log(`sleep accuracy (${SLEEP_MS} ms sleeps, ${sleepCalls} calls per level; |actual − ${SLEEP_MS} ms|; ${availableParallelism()} cores shared by client, server and receiver)`);
  for (const inFlight of inFlightLevels) {
    const bare = await bareServer({ BARE_SLEEP_MS: String(SLEEP_MS) });
    const bareFailed = await keepInFlight(`127.0.0.1:${bare.port}`, inFlight, sleepCalls);
    const bareErrors = (JSON.parse(await bare.stop()) as { sleep_errors_ms: number[] }).sleep_errors_ms.map(Math.abs);
    console.log(`  ${inFlight} in flight`);
    console.log(`    bare, setTimeout, self-measured        ${describe(bareErrors)}   (${bareFailed} failed)`);

    // Both settings of the timer thread: normal priority, and what the default (auto) gets here.
    for (const priority of ['normal', 'auto'] as const) {
      const result = await thespianSleeps(receiver, inFlight, priority);
      if (!result) continue;
      const ratio = quantile(result.errors, 0.99) / quantile(bareErrors, 0.99);
      const target = inFlight === 1000 ? `   target p99 ≤ 2 ms: ${quantile(result.errors, 0.99) <= 2 ? 'met' : 'NOT met'}` : '';
      console.log(`    thespian, ${result.timer.padEnd(16)} spans  ${describe(result.errors)}   (${result.failed} failed, ${result.rate.toFixed(0)} req/s)`);
      console.log(`      p99 ratio thespian / bare ${ratio.toFixed(3)}${target}`);
    }
  }
}

/** Sleep errors measured from the Sleep spans, or undefined when `auto` got no more than `normal` did. */
async function thespianSleeps(receiver: Receiver, inFlight: number, priority: 'normal' | 'auto') {
  // 1,000 requests in flight produce spans faster than the default queue of 2,048 drains.
  const instance = await thespian(receiver, SLEEP_MS, { OTEL_BSP_MAX_QUEUE_SIZE: '65536', THESPIAN_TIMER_PRIORITY: priority });
  const timer = String(instance.listening.sleep_timer);
  if (priority === 'auto' && timer !== 'real-time thread') {
    await instance.stop();
    console.log(`    (no real-time timer thread here: ${String(instance.listening.sleep_timer_note ?? timer)})`);
    return undefined;
  }
  await receiver.clear();
  const started = performance.now();
  const failed = await keepInFlight(`127.0.0.1:${instance.port}`, inFlight, sleepCalls);
  const rate = sleepCalls / ((performance.now() - started) / 1000);
  await instance.stop();
  const errors = (await receiver.durations('nap')).map((ms) => Math.abs(ms - SLEEP_MS));
  return { timer, errors, failed, rate };
}

function describe(errors: number[]): string {
  return `n ${String(errors.length).padStart(5)}   p50 ${quantile(errors, 0.5).toFixed(2)}   p90 ${quantile(errors, 0.9).toFixed(2)}   p99 ${quantile(errors, 0.99).toFixed(2)}   max ${quantile(errors, 1).toFixed(2)} ms`;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

async function main() {
  const receiver = await startReceiverProcess();
  await throughput(receiver);
  await sleepAccuracy(receiver);
  await receiver.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
