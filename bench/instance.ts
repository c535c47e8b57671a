/**
 * Instance benchmark (issue "The Thespian instance"). Run: npm run bench -- instance
 *
 * 1. Throughput: a Thespian whose method A is one 0 ms sleep, exporting every span to a live
 *    OTLP receiver and logging to stdout, against a bare @grpc/grpc-js server that answers A with
 *    nothing. Same client, same run, same concurrency. Target: Thespian ≥ 0.6 × bare.
 * 2. Sleep accuracy: a 50 ms sleep with 1,000 calls in flight, measured from the Sleep spans the
 *    receiver got. Target: p99 of |duration − 50 ms| ≤ 2 ms.
 *
 * Options (env): BENCH_SECONDS (default 10 per throughput run), BENCH_CONCURRENCY (default 64),
 * BENCH_SLEEP_CALLS (default 5000).
 */
import { join } from 'node:path';
import { startReceiverProcess } from './support/receiver-client';
import { closedLoop, keepInFlight } from './support/closed-loop';
import { startChild } from './support/child-server';

const ROOT = join(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sleepCalls = Number(process.env.BENCH_SLEEP_CALLS ?? 5000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 1000);

const behaviour = (durationMs: number) =>
  JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: durationMs } } }] } });

type Receiver = Awaited<ReturnType<typeof startReceiverProcess>>;

async function throughput(receiver: Receiver) {
  const bare = await startChild(['--import', 'tsx', join(__dirname, 'support', 'bare-server.ts')], {});
  await closedLoop(`127.0.0.1:${bare.port}`, concurrency, 2); // warm-up
  const bareResult = await closedLoop(`127.0.0.1:${bare.port}`, concurrency, seconds);
  await bare.stop();

  const thespian = await startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    CONFIG_JSON: behaviour(0),
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: receiver.endpoint,
  });
  await closedLoop(`127.0.0.1:${thespian.port}`, concurrency, 2);
  await receiver.clear();
  const thespianResult = await closedLoop(`127.0.0.1:${thespian.port}`, concurrency, seconds);
  await thespian.stop();
  const expectedSpans = Math.round(thespianResult.rate * seconds) * 3;

  console.log(`throughput (closed loop, ${concurrency} in flight, ${seconds} s each)`);
  console.log(`  bare @grpc/grpc-js   ${bareResult.rate.toFixed(0).padStart(7)} req/s`);
  console.log(`  thespian, traced     ${thespianResult.rate.toFixed(0).padStart(7)} req/s   errors ${thespianResult.errors}`);
  console.log(`  ratio                ${(thespianResult.rate / bareResult.rate).toFixed(2)}   (target ≥ 0.60)`);
  console.log(`  spans received       ${await receiver.count()} of about ${expectedSpans} (3 per request, warm-up excluded)`);
}

async function sleepAccuracy(receiver: Receiver) {
  const thespian = await startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    CONFIG_JSON: behaviour(50),
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: receiver.endpoint,
    // 1,000 requests in flight produce spans faster than the default queue of 2,048 drains.
    OTEL_BSP_MAX_QUEUE_SIZE: '65536',
  });
  await receiver.clear();
  const failed = await keepInFlight(`127.0.0.1:${thespian.port}`, inFlight, sleepCalls);
  await thespian.stop();
  const errors = (await receiver.durations('nap')).map((ms) => Math.abs(ms - 50)).sort((a, b) => a - b);
  const at = (q: number) => errors[Math.min(errors.length - 1, Math.floor(q * errors.length))];
  console.log(`sleep accuracy (50 ms sleeps, ${inFlight} in flight, ${sleepCalls} calls, ${failed} failed)`);
  console.log(`  spans measured       ${errors.length}`);
  console.log(`  |error| p50 ${at(0.5).toFixed(2)} ms   p99 ${at(0.99).toFixed(2)} ms   max ${errors[errors.length - 1].toFixed(2)} ms   (target p99 ≤ 2 ms)`);
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
