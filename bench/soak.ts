/**
 * Soak benchmark (issue "Hardening"). Run: npm run bench -- soak
 *
 * Two instances run side by side for SOAK_SECONDS under the same open-loop load from
 * `thespian load` (one process per instance, so the load clients are independent of this
 * script):
 *   - faulty: its trace endpoint is a black hole (a TCP port that accepts and never answers)
 *     and its Loki answers every push with 500;
 *   - baseline: the same behaviour with no telemetry backends at all (OTEL_TRACES_EXPORTER=none,
 *     no LOKI_ADDRESS), so whatever memory it holds is the instance's own.
 * Every SOAK_REPORT_SECONDS it prints both RSS figures and their ratio. At the end it prints the
 * faulty instance's growth from the end of the warm-up (SOAK_WARMUP_SECONDS, when the span queue
 * and the Loki cap are full) to the end, which must stay flat: a few MB of noise, not a slope.
 * It also prints what each `load` saw (every request must still be answered) and the faulty
 * instance's `stopped` line, which counts what it could not deliver.
 *
 * Options (env): SOAK_SECONDS (default 600), SOAK_RATE (requests per second to each instance,
 * default 200), SOAK_REPORT_SECONDS (default 10), SOAK_WARMUP_SECONDS (default 60).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startChild, type ChildServer } from './support/child-server';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const rate = Number(process.env.SOAK_RATE ?? 200);
const reportEvery = Number(process.env.SOAK_REPORT_SECONDS ?? 10);
const warmup = Math.min(Number(process.env.SOAK_WARMUP_SECONDS ?? 60), seconds / 2);

/** Five spans and three log lines a request, one in twenty fails (an error line and an exception event). */
const BEHAVIOUR = JSON.stringify({
  grpc_method_a: {
    tracing_name: 'soak',
    operations: [
      { Action: { Sleep: { tracing_name: 'think', duration_ms: 2 } } },
      {
        ConcurrentActions: [
          { Sleep: { tracing_name: 'left', duration_ms: 3 } },
          { Sleep: { tracing_name: 'right', duration_ms: 3, failure_chance: 0.05 } },
        ],
      },
    ],
  },
});

/** Accepts connections and reads whatever comes, but never answers: a Tempo behind a black-holing firewall. */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A Loki that reads every push and refuses it with 500. */
async function failingLoki(): Promise<{ port: number; pushes: () => number; close(): void }> {
  let pushes = 0;
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      pushes++;
      response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error: ingester unavailable\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, pushes: () => pushes, close: () => server.close() };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

interface LoadSummary {
  sent: number;
  completed: number;
  counts: Record<string, number>;
}

/** `thespian load` against one instance, as its own process; resolves with its JSON result. */
function runLoad(port: number, jsonPath: string): Promise<LoadSummary> {
  const child = spawn(
    process.execPath,
    [CLI, 'load', '--target', `127.0.0.1:${port}`, '--rate', String(rate), '--duration', `${seconds}s`, '--timeout', '5', '--quiet', '--json', jsonPath],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return once(child, 'exit').then(() => JSON.parse(readFileSync(jsonPath, 'utf8')) as LoadSummary);
}

function describeLoad(name: string, result: LoadSummary): string {
  const counts = Object.entries(result.counts)
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
  return `${name}: ${result.sent} sent, ${result.completed} answered (${counts})`;
}

const mb = (value: number) => `${value.toFixed(1)} MB`;

async function main() {
  const tempo = await blackHole();
  const loki = await failingLoki();
  const faulty = await startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    SERVICE_NAME: 'soak-faulty',
    CONFIG_JSON: BEHAVIOUR,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: `http://127.0.0.1:${tempo.port}`,
    LOKI_ADDRESS: `http://127.0.0.1:${loki.port}`,
  });
  const baseline = await startChild([join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    SERVICE_NAME: 'soak-baseline',
    CONFIG_JSON: BEHAVIOUR,
    OTEL_TRACES_EXPORTER: 'none',
  });
  console.log(`soak: ${seconds} s at ${rate} rps to each instance; black-holed trace endpoint and a Loki answering 500 vs no backends`);
  console.log('   t    faulty RSS   baseline RSS   ratio');
  const loads = Promise.all([runLoad(faulty.port, '/tmp/thespian-soak-faulty.json'), runLoad(baseline.port, '/tmp/thespian-soak-baseline.json')]);
  const samples: { t: number; faulty: number; baseline: number }[] = [];
  const started = performance.now();
  const sample = () => {
    const t = Math.round((performance.now() - started) / 1000);
    const point = { t, faulty: rssMb(faulty.child.pid!), baseline: rssMb(baseline.child.pid!) };
    samples.push(point);
    console.log(`${String(t).padStart(4)} s  ${mb(point.faulty).padStart(10)}   ${mb(point.baseline).padStart(12)}   ${(point.faulty / point.baseline).toFixed(2)}`);
  };
  sample();
  const timer = setInterval(sample, reportEvery * 1000);
  const [faultyLoad, baselineLoad] = await loads;
  clearInterval(timer);
  sample();

  const afterWarmup = samples.filter((point) => point.t >= warmup);
  const first = afterWarmup[0] ?? samples[0];
  const last = samples[samples.length - 1];
  const peak = Math.max(...afterWarmup.map((point) => point.faulty));
  console.log(
    `faulty instance after the ${warmup} s warm-up: ${mb(first.faulty)} at ${first.t} s → ${mb(last.faulty)} at ${last.t} s ` +
      `(growth ${mb(last.faulty - first.faulty)}, peak ${mb(peak)}); baseline ${mb(first.baseline)} → ${mb(last.baseline)}`,
  );
  console.log(describeLoad('faulty', faultyLoad));
  console.log(describeLoad('baseline', baselineLoad));
  console.log(`Loki pushes refused: ${loki.pushes()}`);
  console.log(`faulty instance's last line: ${await stopWithin(faulty, 20_000)}`);
  await stopWithin(baseline, 20_000);
  tempo.close();
  loki.close();
}

/** Stops the instance; its shutdown flush is bounded, so this only guards against a bug. */
async function stopWithin(server: ChildServer, ms: number): Promise<string> {
  const guard = setTimeout(() => server.child.kill('SIGKILL'), ms);
  try {
    return await server.stop();
  } finally {
    clearTimeout(guard);
  }
}

void main();
