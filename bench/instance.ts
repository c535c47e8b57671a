/**
 * Instance benchmark (issue "The Thespian instance"). Run: npm run bench -- instance
 *
 * 1. Throughput: a Thespian whose method A is one 0 ms sleep, exporting every span to a live
 *    OTLP receiver and logging to stdout at the default level, against a bare @grpc/grpc-js server
 *    that answers A with nothing. Two clients: h2load (Debian nghttp2-client, when installed: a C
 *    client that barely loads the machine, so it shows the server's own cost) and our grpc-js
 *    closed loop, which caps lower and so hides part of the cost. Same client against both
 *    servers, in alternating rounds so that the machine's drift hits both alike. Each Thespian run
 *    says whether spans were lost: the receiver's count against requests × 3 spans per request.
 *    Target (issue 14): Thespian ≥ 0.4 × bare under h2load (the median of the rounds' ratios).
 * 2. Sleep accuracy: 50 ms sleeps with N calls in flight, measured from the Sleep spans the
 *    receiver got. Target: p99 of |duration − 50 ms| ≤ 2 ms with 1,000 in flight. The baseline is
 *    a bare @grpc/grpc-js server that waits with setTimeout and measures its own waits, under the
 *    same client. Thespian runs twice per level: with its timer thread at normal priority, and
 *    with the default THESPIAN_TIMER_PRIORITY=auto, which gets a real-time thread where the
 *    process may have one (root or CAP_SYS_NICE, or RLIMIT_RTPRIO ≥ 1); without that permission
 *    the second run is skipped and the reason printed.
 * 3. Per-hop latency: a chain of 5 Thespians (each one's A calls the next; the last sleeps 0 ms),
 *    fully traced, against a chain of 5 bare grpc-js forwarders, at concurrency 1, in alternating
 *    rounds. p50/p99 per request. Target (issue 14): Thespian p50 ≤ 1.3 × bare.
 *
 * Options (env): BENCH_SECONDS (default 8 per throughput run), BENCH_ROUNDS (default 5),
 * BENCH_CONCURRENCY (default 64), BENCH_SLEEP_CALLS (default 5000 per level),
 * BENCH_IN_FLIGHT (default "100,1000"), BENCH_CHAIN_CALLS (default 2000 per chain and round),
 * BENCH_PARTS (default "throughput,sleep,chain": which parts to run).
 */
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { startReceiverProcess } from './support/receiver-client';
import { closedLoop, keepInFlight, sequentialLatencies } from './support/closed-loop';
import { startChild } from './support/child-server';
import { h2loadAvailable, h2loadRate } from './support/h2load';
import { startChain, stopChain } from './support/call-chain';
import { median, quantile } from './support/stats';

const ROOT = join(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sleepCalls = Number(process.env.BENCH_SLEEP_CALLS ?? 5000);
const inFlightLevels = (process.env.BENCH_IN_FLIGHT ?? '100,1000').split(',').map(Number);
const chainCalls = Number(process.env.BENCH_CHAIN_CALLS ?? 2000);
const parts = (process.env.BENCH_PARTS ?? 'throughput,sleep,chain').split(',');
const SLEEP_MS = 50;
const CHAIN_LENGTH = 5;
/** The server span, the method's Function span and its Sleep span. */
const SPANS_PER_REQUEST = 3;

const behaviour = (durationMs: number) =>
  JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: durationMs } } }] } });
const forwarding = (nextPort: number) =>
  JSON.stringify({
    grpc_method_a: {
      tracing_name: 'hop',
      operations: [{ Action: { CallService: { tracing_name: 'next', service_address: 'http://127.0.0.1', service_port: String(nextPort), grpc_method: 'A' } } }],
    },
  });

type Receiver = Awaited<ReturnType<typeof startReceiverProcess>>;

const bareServer = (env: Record<string, string> = {}) => startChild(['--import', 'tsx', join(__dirname, 'support', 'bare-server.ts')], env);
const thespian = (receiver: Receiver, durationMs: number, env: Record<string, string> = {}, config = behaviour(durationMs)) =>
  startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    CONFIG_JSON: config,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: receiver.endpoint,
    ...env,
  });

type Client = 'h2load' | 'grpc-js';

/** Calls per second from `client` after a short warm-up, and all the calls that succeeded (warm-up too). */
async function measureRate(client: Client, port: number): Promise<{ rate: number; errors: number; succeeded: number }> {
  const address = `127.0.0.1:${port}`;
  if (client === 'h2load') {
    const warmUp = await h2loadRate(address, { seconds: 1 });
    const result = await h2loadRate(address, { seconds });
    return { rate: result.rate, errors: result.failed, succeeded: warmUp.succeeded + result.succeeded };
  }
  const warmUp = await closedLoop(address, concurrency, 2);
  const result = await closedLoop(address, concurrency, seconds);
  return { rate: result.rate, errors: result.errors, succeeded: warmUp.completed + result.completed };
}

/** One Thespian run: its rate, and the spans the receiver got against those its calls made. */
async function thespianRate(receiver: Receiver, client: Client) {
  const instance = await thespian(receiver, 0);
  await receiver.clear();
  const result = await measureRate(client, instance.port);
  await instance.stop(); // flushes the spans still queued
  return { ...result, spans: await receiver.count(), expected: result.succeeded * SPANS_PER_REQUEST };
}

async function throughput(receiver: Receiver) {
  const clients: Client[] = (await h2loadAvailable()) ? ['h2load', 'grpc-js'] : ['grpc-js'];
  if (clients.length === 1) console.log('(h2load not found: install Debian nghttp2-client for the independent client)');
  console.log(`throughput (A = one 0 ms sleep, full tracing, default log level; ${seconds} s per run, ${rounds} rounds alternating; h2load 4 connections × 16 streams, grpc-js ${concurrency} in flight)`);
  const ratios = new Map<Client, number[]>(clients.map((client) => [client, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const client of clients) {
      const bare = await bareServer();
      const bareResult = await measureRate(client, bare.port);
      await bare.stop();
      const result = await thespianRate(receiver, client);
      const ratio = result.rate / bareResult.rate;
      ratios.get(client)!.push(ratio);
      const lost = result.expected - result.spans;
      console.log(
        `  round ${round} ${client.padEnd(7)}: bare ${bareResult.rate.toFixed(0).padStart(5)} req/s   thespian ${result.rate.toFixed(0).padStart(5)} req/s (errors ${result.errors}, spans ${result.spans} of ${result.expected}${lost > 0 ? `, ${lost} LOST` : ', none lost'})   ratio ${ratio.toFixed(2)}`,
      );
    }
  }
  for (const client of clients) {
    const target = client === 'h2load' ? '   (target ≥ 0.40)' : '';
    console.log(`  ${client.padEnd(7)} ratio, median of rounds  ${median(ratios.get(client)!).toFixed(2)}${target}`);
  }
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

async function perHop(receiver: Receiver) {
  console.log(`per-hop latency (chain of ${CHAIN_LENGTH}, concurrency 1, ${chainCalls} calls per chain and round, ${rounds} rounds alternating; Thespian fully traced)`);
  const p50Ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const bare = await chainLatencies(() =>
      startChain(CHAIN_LENGTH, (next) => startChild(['--import', 'tsx', join(__dirname, 'support', 'bare-forwarder.ts')], next ? { BARE_FORWARD_TO: `127.0.0.1:${next}` } : {})),
    );
    const ours = await chainLatencies(() => startChain(CHAIN_LENGTH, (next) => thespian(receiver, 0, {}, next ? forwarding(next) : behaviour(0))));
    p50Ratios.push(quantile(ours.latencies, 0.5) / quantile(bare.latencies, 0.5));
    console.log(`  round ${round}: bare     ${latencySummary(bare)}`);
    console.log(`  round ${round}: thespian ${latencySummary(ours)}   p50 ratio ${p50Ratios.at(-1)!.toFixed(2)}`);
  }
  console.log(`  p50 ratio thespian / bare, median of rounds  ${median(p50Ratios).toFixed(2)}   (target ≤ 1.30)`);
}

async function chainLatencies(start: () => ReturnType<typeof startChain>) {
  const chain = await start();
  const address = `127.0.0.1:${chain[0].port}`;
  await sequentialLatencies(address, Math.min(200, chainCalls)); // warm-up
  const result = await sequentialLatencies(address, chainCalls);
  await stopChain(chain);
  return result;
}

function latencySummary(result: { latencies: number[]; errors: number }): string {
  const ms = (q: number) => quantile(result.latencies, q).toFixed(2).padStart(6);
  return `p50 ${ms(0.5)} ms   p99 ${ms(0.99)} ms per request through ${CHAIN_LENGTH} hops   (errors ${result.errors})`;
}

function describe(errors: number[]): string {
  return `n ${String(errors.length).padStart(5)}   p50 ${quantile(errors, 0.5).toFixed(2)}   p90 ${quantile(errors, 0.9).toFixed(2)}   p99 ${quantile(errors, 0.99).toFixed(2)}   max ${quantile(errors, 1).toFixed(2)} ms`;
}

async function main() {
  const receiver = await startReceiverProcess();
  console.log(`load average at start ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  if (parts.includes('throughput')) await throughput(receiver);
  if (parts.includes('sleep')) await sleepAccuracy(receiver);
  if (parts.includes('chain')) await perHop(receiver);
  console.log(`load average at end ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  await receiver.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
