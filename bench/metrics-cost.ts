/**
 * What the metrics cost (issue 13). Run: npm run bench -- metrics-cost
 *
 * Three servers in alternating rounds, so that the machine's drift hits all alike:
 * - a bare @grpc/grpc-js server that answers A with nothing (the baseline);
 * - Thespian with method A one 0 ms sleep, full tracing to a live OTLP receiver, default log
 *   level, metrics off (OTEL_METRICS_EXPORTER=none, the default);
 * - the same with metrics on: OTLP every second to a live metrics receiver, which is more export
 *   work than the 60 s default.
 * Each is measured by h2load (independent: it shows the server's own cost) when it is installed,
 * and by our grpc-js closed-loop client. Prints each round, then the medians of the rounds'
 * ratios: on / off (the cost of metrics), and each against bare.
 *
 * Options (env): BENCH_SECONDS (default 6 per run), BENCH_ROUNDS (default 5),
 * BENCH_CONCURRENCY (default 64 for our client; h2load uses 4 connections × 16 streams).
 */
import { join } from 'node:path';
import { OtlpMetricsReceiver } from '../test/support/otlp-metrics-receiver';
import { startChild, type ChildServer } from './support/child-server';
import { closedLoop } from './support/closed-loop';
import { h2loadAvailable, h2loadRate } from './support/h2load';
import { startReceiverProcess } from './support/receiver-client';
import { median } from './support/stats';

const ROOT = join(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const BEHAVIOUR = JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 0 } } }] } });

type Client = 'h2load' | 'grpc-js';
type Server = 'bare' | 'metrics off' | 'metrics on';
const SERVERS: readonly Server[] = ['bare', 'metrics off', 'metrics on'];

async function main() {
  const clients: Client[] = (await h2loadAvailable()) ? ['h2load', 'grpc-js'] : ['grpc-js'];
  if (clients.length === 1) console.log('(h2load not found: install Debian nghttp2-client for the independent client; measuring with grpc-js only)');
  const spans = await startReceiverProcess();
  const metrics = await OtlpMetricsReceiver.start();
  const start = (server: Server): Promise<ChildServer> =>
    server === 'bare'
      ? startChild(['--import', 'tsx', join(__dirname, 'support', 'bare-server.ts')], {})
      : startChild([join(ROOT, 'dist', 'main.js')], {
          PORT: '0',
          CONFIG_JSON: BEHAVIOUR,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_BACKEND_ADDRESS: spans.endpoint,
          OTEL_METRICS_EXPORTER: server === 'metrics on' ? 'otlp' : 'none',
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics.endpoint,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
        });

  console.log(`A = one 0 ms sleep; ${seconds} s per run, ${rounds} rounds alternating; grpc-js client ${concurrency} in flight`);
  const rates = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const client of clients) {
      for (const server of SERVERS) {
        const child = await start(server);
        const rate = await measure(client, child.port);
        await child.stop();
        const key = `${client} ${server}`;
        rates.set(key, [...(rates.get(key) ?? []), rate]);
        line.push(`${key} ${rate.toFixed(0)}/s`);
      }
    }
    console.log(`  round ${round}: ${line.join('   ')}`);
  }
  console.log(`metric exports received: ${metrics.exports.length} (so metrics were really on)`);
  for (const client of clients) {
    const ratio = (a: Server, b: Server) => median(rates.get(`${client} ${a}`)!.map((rate, index) => rate / rates.get(`${client} ${b}`)![index]));
    console.log(
      `${client.padEnd(8)} median ratios: metrics on / off ${ratio('metrics on', 'metrics off').toFixed(2)}   off / bare ${ratio('metrics off', 'bare').toFixed(2)}   on / bare ${ratio('metrics on', 'bare').toFixed(2)}`,
    );
  }
  await metrics.close();
  await spans.stop();
}

async function measure(client: Client, port: number): Promise<number> {
  const address = `127.0.0.1:${port}`;
  if (client === 'h2load') {
    await h2loadRate(address, { seconds: 1 }); // warm-up
    return (await h2loadRate(address, { seconds })).rate;
  }
  await closedLoop(address, concurrency, 1); // warm-up
  return (await closedLoop(address, concurrency, seconds)).rate;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
