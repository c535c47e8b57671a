/**
 * Where a busy instance's time goes: runs dist/main.js under `node --cpu-prof` (A = one 0 ms
 * sleep, full tracing to a live receiver, default log level), loads it with h2load, and prints
 * the shares of idle, garbage collection and the functions with the most self time.
 * Not a benchmark (it prints shares, not ratios against a baseline), a tool to find what to cut:
 *   npx tsc -p tsconfig.json && node --import tsx bench/support/profile-instance.ts
 * Options (env): PROFILE_SECONDS (default 8), PROFILE_TOP (default 30), PROFILE_DIR (where the
 * .cpuprofile is kept; default a fresh temporary folder).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child-server';
import { h2loadRate } from './h2load';
import { startReceiverProcess } from './receiver-client';

const ROOT = join(__dirname, '..', '..');
const seconds = Number(process.env.PROFILE_SECONDS ?? 8);
const top = Number(process.env.PROFILE_TOP ?? 30);
const directory = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'thespian-profile-'));

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const behaviour = JSON.stringify({ grpc_method_a: { tracing_name: 'bench', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 0 } } }] } });

async function main() {
  const receiver = await startReceiverProcess();
  const instance = await startChild(['--cpu-prof', `--cpu-prof-dir=${directory}`, join(ROOT, 'dist', 'main.js')], {
    PORT: '0',
    CONFIG_JSON: behaviour,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: receiver.endpoint,
  });
  await h2loadRate(`127.0.0.1:${instance.port}`, { seconds: 1 });
  const { rate, failed } = await h2loadRate(`127.0.0.1:${instance.port}`, { seconds });
  await instance.stop();
  await receiver.stop();
  // The first file is the main thread's; the timer thread writes one of its own.
  const file = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile')).sort()[0];
  if (!file) throw new Error(`no .cpuprofile in ${directory}`);
  console.log(`${rate.toFixed(0)} req/s under h2load (${failed} failed); profile ${join(directory, file)}`);
  printShares(selfTimes(JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile));
}

/** Self time per function (name and place). */
function selfTimes(profile: CpuProfile): Map<string, number> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const key = describe(nodes.get(id)!);
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return selfMicros;
}

/** The `top` largest amounts, as shares of the whole. */
function printShares(amounts: Map<string, number>): void {
  const total = [...amounts.values()].reduce((sum, amount) => sum + amount, 0);
  const ranked = [...amounts].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, amount] of ranked) console.log(`${((100 * amount) / total).toFixed(1).padStart(5)}%  ${key}`);
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const place = url ? ` ${url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${place}`;
}

void main();
