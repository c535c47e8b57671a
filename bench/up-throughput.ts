/**
 * `thespian up` under load: the bundled example (five services) at 100 requests/s for 60 s,
 * exactly as a user would run it (`thespian up --rps 100 --duration 60`, trees drawn, output to
 * a pipe). Reports the rate achieved against the rate asked, the spans received against the spans
 * expected, and the CPU of the parent (the embedded collector, assembler and drawing) against the
 * CPU of the services it collects from, both measured in the same run.
 *
 *   npm run build && node --import tsx bench/up-throughput.ts [--duration 60] [--rps 100] [--log-level info] [--topology FILE]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { UpResult } from '../src/ensemble';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    rps: { type: 'string', default: '100' },
    'log-level': { type: 'string', default: 'info' },
    topology: { type: 'string' },
  },
});
const durationS = Number(values.duration);
const rps = Number(values.rps);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-up-'));
  const summaryPath = join(dir, 'summary.json');
  const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
  const args = [cli, 'up', ...(values.topology ? [values.topology] : []), '--rps', String(rps), '--duration', String(durationS)];
  args.push('--log-level', values['log-level']!, '--summary-json', summaryPath);
  const load = loadavg()[0];
  console.log(`thespian ${args.slice(1).join(' ')}`);
  console.log(`machine: ${cpus().length} cores, load average ${load.toFixed(1)} at start (others' work skews every figure below)`);

  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let treeLines = 0;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (treeLines += chunk.split('\n').length - 1));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`thespian up exited with ${code}`);
  const result = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;
  rmSync(dir, { recursive: true, force: true });

  const { requests, spans, cpuSeconds, latencyMs, traces } = result;
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(3));
  const answered = requests.ok + requests.failed;
  const parentCpu = cpuSeconds.parent;
  const ms = (value: number | undefined) => (value === undefined ? '-' : `${Math.round(value)} ms`);
  console.log(`\nresults (${result.durationS.toFixed(1)} s of traffic, ${wallS.toFixed(1)} s wall including start and stop; ${treeLines} lines drawn):`);
  console.log(`  rate         ${requests.achievedRps.toFixed(1)}/s achieved of ${requests.targetRps}/s asked: ratio ${ratio(requests.achievedRps, requests.targetRps)}`);
  console.log(`  requests     ${requests.sent} sent, ${answered} answered, ${requests.failed} failed (${((requests.failed / Math.max(answered, 1)) * 100).toFixed(1)}%, configured failures); latency p50 ${ms(latencyMs.p50)}, p99 ${ms(latencyMs.p99)}`);
  console.log(`  root spans   ${spans.rootSpans} of ${answered} expected (one per answered request): ratio ${ratio(spans.rootSpans, answered)}`);
  console.log(
    `  ok traces    ${spans.okTracesReceived} spans of ${spans.okTracesExpected ?? '?'} expected in ${spans.okTraces} ok traces: ratio ${spans.okTracesExpected === null ? 'n/a' : ratio(spans.okTracesReceived, spans.okTracesExpected)}; ${spans.okTracesWithMissingSpans} short`,
  );
  console.log(`  failed       ${traces.failed} failed traces, ${traces.withOrphans} traces missing a parent span, ${traces.withoutRoot} without root; ${spans.late} late spans`);
  console.log(`  spans        ${spans.received} received in all (${(spans.received / result.durationS).toFixed(0)}/s)`);
  console.log(
    `  parent CPU   ${parentCpu.toFixed(1)} s = ${((parentCpu / wallS) * 100).toFixed(0)}% of one core over the wall time; ${((parentCpu * 1e6) / Math.max(spans.received, 1)).toFixed(0)} µs per span received`,
  );
  if (cpuSeconds.services !== null) {
    console.log(`  baseline     the five services used ${cpuSeconds.services.toFixed(1)} s: parent / services = ${ratio(parentCpu, cpuSeconds.services)}`);
    console.log(`               per service: ${result.services.map((service) => `${service.name} ${service.cpuSeconds?.toFixed(1) ?? '?'} s`).join(', ')}`);
  }
  console.log(`  memory       parent peak ${result.parentMaxRssMb} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
