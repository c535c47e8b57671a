/**
 * Scale benchmark (issue 14): what one idle instance costs in memory, and what `thespian up` costs
 * per service on generated topologies of 20 to 200 services.
 * Run: npm run bench -- scale
 *
 * The idle RSS of one Thespian (full tracing to a live receiver, logging on at the default
 * level), after start-up and a few calls, then 2 s idle, against bare node and node + a bare
 * grpc-js server (plain JavaScript, no loader: what a straightforward service costs). Then the
 * instance's breakdown, from a probe preloaded into it (support/footprint-probe.cjs): modules
 * loaded, the RSS each big import added, heap used against RSS, and the sleep timer thread's
 * share (measured as node + one worker thread waiting in Atomics.wait, as the timer thread does;
 * an instance has no setting that turns that thread off). Servers run in alternating rounds; the
 * table gives the median of the rounds.
 *
 * The instance runs twice: as `node dist/main.js`, and with the NODE_OPTIONS the image sets (read
 * from the Dockerfile's ENV line, so the row shows what a container holds; see the comment there).
 *
 * With BENCH_BEFORE_DIST set to another build's dist/ (say, main's), that build is measured in
 * the same rounds, for a before/after. That folder's parent must hold proto/ and node_modules/
 * (a copy of dist/ alone in /tmp finds neither): copy it into a folder beside symlinks to them.
 *
 * Options (env): BENCH_ROUNDS (default 5), BENCH_IDLE_MS (default 2000), BENCH_BEFORE_DIST.
 *
 * Then `thespian up` on generated topologies of 20 to 200 services (support/up-scale.ts, which
 * lists its own options): the peak RSS and CPU of the whole run, per service, and whether every
 * trace came whole. BENCH_PARTS picks the parts: idle, up, or idle,up (the default).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type ChildServer } from './support/child-server';
import { sequentialLatencies } from './support/closed-loop';
import { startReceiverProcess } from './support/receiver-client';
import { median } from './support/stats';
import { benchUpAtScale, upScaleOptions } from './support/up-scale';

const ROOT = join(__dirname, '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 2000);
const beforeDist = process.env.BENCH_BEFORE_DIST;
const PROBE = join(__dirname, 'support', 'footprint-probe.cjs');
const BEHAVIOUR = JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 0 } } }] } });
const LISTENING = `process.stdout.write(JSON.stringify({ message: 'listening', port: 0 }) + '\\n')`;
const BARE_NODE = `${LISTENING}; setInterval(() => {}, 1 << 30);`;
const BARE_WORKER = `const { Worker } = require('node:worker_threads');
new Worker("const s = new Int32Array(new SharedArrayBuffer(4)); for (;;) Atomics.wait(s, 0, 0, 1e9);", { eval: true });
${LISTENING}; setInterval(() => {}, 1 << 30);`;
// Loads the proto itself rather than through src/server/protocol.ts, which imports config/ (zod):
// the baseline is what a plain grpc-js service pays.
const BARE_GRPC = `const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const definition = protoLoader.loadSync(${JSON.stringify(join(ROOT, 'proto', 'thespian.proto'))}, { keepCase: true, defaults: true });
const service = grpc.loadPackageDefinition(definition).thespian.Thespian.service;
const server = new grpc.Server();
const answer = (_call, callback) => callback(null, {});
server.addService(service, { A: answer, B: answer, C: answer });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  process.stdout.write(JSON.stringify({ message: 'listening', port }) + '\\n');
});`;

interface Footprint {
  modules: number;
  imports: { request: string; from: string; rssMb: number; heapMb: number }[];
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}
interface Sample {
  rssMb: number;
  footprint?: Footprint;
}
type Receiver = Awaited<ReturnType<typeof startReceiverProcess>>;
type Subject = { name: string; measure: () => Promise<Sample> };

/** VmRSS of a running process, in MB (1e6 bytes, as process.memoryUsage() figures are shown here). */
function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? (Number(line[1]) * 1024) / 1e6 : NaN;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a server, calls it a few times when it serves A, waits idle, and reads its RSS. */
async function idleRss(start: () => Promise<ChildServer>, calls: boolean): Promise<number> {
  const server = await start();
  if (calls) await sequentialLatencies(`127.0.0.1:${server.port}`, 20);
  await pause(idleMs);
  const rss = rssMb(server.child.pid!);
  await server.stop();
  return rss;
}

/** The NODE_OPTIONS the image gives every instance (its Dockerfile's `ENV NODE_OPTIONS=...`), if any. */
function imageNodeOptions(): string | undefined {
  const line = /^\s*(?:ENV\s+)?NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  return line?.[1];
}

/** An instance of the build in `dist`, with the probe preloaded; its RSS and what the probe saw. */
async function instanceSample(receiver: Receiver, dist: string, nodeOptions = ''): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-scale-'));
  const file = join(dir, 'footprint.json');
  const env = { PORT: '0', CONFIG_JSON: BEHAVIOUR, OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: receiver.endpoint, BENCH_FOOTPRINT_FILE: file, NODE_OPTIONS: nodeOptions };
  const server = await startChild(['--require', PROBE, join(dist, 'main.js')], env);
  await sequentialLatencies(`127.0.0.1:${server.port}`, 20);
  await pause(idleMs);
  const rss = rssMb(server.child.pid!);
  server.child.kill('SIGUSR2');
  await pause(200);
  const footprint = JSON.parse(readFileSync(file, 'utf8')) as Footprint;
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rssMb: rss, footprint };
}

function subjects(receiver: Receiver): Subject[] {
  const inline = (code: string, calls: boolean) => async () => ({ rssMb: await idleRss(() => startChild(['-e', code], {}), calls) });
  const list: Subject[] = [
    { name: 'bare node', measure: inline(BARE_NODE, false) },
    { name: 'node + 1 worker thread in Atomics.wait', measure: inline(BARE_WORKER, false) },
    { name: 'node + grpc-js server', measure: inline(BARE_GRPC, true) },
    { name: 'thespian (this build)', measure: () => instanceSample(receiver, join(ROOT, 'dist')) },
  ];
  const nodeOptions = imageNodeOptions();
  if (nodeOptions) list.push({ name: `thespian (this build, NODE_OPTIONS="${nodeOptions}" as in the image)`, measure: () => instanceSample(receiver, join(ROOT, 'dist'), nodeOptions) });
  if (beforeDist) list.push({ name: `thespian (${beforeDist})`, measure: () => instanceSample(receiver, beforeDist) });
  return list;
}

async function main() {
  const parts = (process.env.BENCH_PARTS ?? 'idle,up').split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => part !== 'idle' && part !== 'up');
  const upOptions = upScaleOptions(process.env);
  if (unknown.length > 0 || typeof upOptions === 'string') {
    console.error(unknown.length > 0 ? `BENCH_PARTS: unknown part ${unknown.join(', ')}; the parts are idle and up` : upOptions);
    process.exit(2);
  }
  console.log(`load average at start ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  if (parts.includes('idle')) await benchIdleRss();
  if (parts.includes('up')) await benchUpAtScale(upOptions, join(ROOT, 'dist', 'cli', 'main.js'));
  console.log(`load average at end ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
}

async function benchIdleRss() {
  console.log(`idle RSS (after start-up and 20 calls where the server has A, then ${idleMs} ms idle; ${rounds} rounds alternating, median)`);
  const receiver = await startReceiverProcess();
  const list = subjects(receiver);
  const samples = new Map<string, Sample[]>(list.map((subject) => [subject.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of list) samples.get(subject.name)!.push(await subject.measure());
  }
  await receiver.stop();
  printRssTable(samples);
  for (const [name, runs] of samples) if (runs[0].footprint) printBreakdown(name, medianRun(runs));
}

function printRssTable(samples: Map<string, Sample[]>) {
  const bare = median([...samples.values()][0].map((sample) => sample.rssMb));
  const worker = median([...samples.values()][1].map((sample) => sample.rssMb));
  console.log(`  ${'server'.padEnd(76)} ${'RSS MB'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'− bare'.padStart(7)}`);
  for (const [name, runs] of samples) {
    const values = runs.map((sample) => sample.rssMb);
    const row = [median(values), Math.min(...values), Math.max(...values), median(values) - bare].map((value) => value.toFixed(1).padStart(7));
    console.log(`  ${name.padEnd(76)} ${row.join(' ')}`);
  }
  console.log(`  the sleep timer thread's share (worker − bare node): ${(worker - bare).toFixed(1)} MB;   target for thespian ≤ 60 MB`);
}

function printBreakdown(name: string, sample: Sample) {
  const footprint = sample.footprint!;
  console.log(`breakdown of ${name} (the median run: RSS ${sample.rssMb.toFixed(1)} MB)`);
  console.log(`  modules loaded ${footprint.modules}`);
  console.log(`  heap used ${footprint.heapUsedMb.toFixed(1)} MB of heap total ${footprint.heapTotalMb.toFixed(1)} MB; external ${footprint.externalMb.toFixed(1)} MB; RSS seen by the process ${footprint.rssMb.toFixed(1)} MB`);
  console.log(`  ${'import (with what it imports)'.padEnd(44)} ${'from'.padEnd(34)} ${'+RSS MB'.padStart(8)} ${'+heap MB'.padStart(8)}`);
  for (const entry of footprint.imports) {
    const from = entry.from === 'main' ? 'main.js' : entry.from.replace(/.*\/(node_modules|dist)\//, '');
    console.log(`  ${entry.request.padEnd(44)} ${from.slice(-34).padEnd(34)} ${entry.rssMb.toFixed(1).padStart(8)} ${entry.heapMb.toFixed(1).padStart(8)}`);
  }
}

function medianRun(runs: Sample[]): Sample {
  return [...runs].sort((a, b) => a.rssMb - b.rssMb)[Math.floor(runs.length / 2)];
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
