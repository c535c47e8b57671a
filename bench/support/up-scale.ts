import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingFromTraces, runUpAtScale, type UpScaleResult } from './up-scale-run';

/**
 * The scale bench's second part: `thespian up` on generated tiered topologies of growing size,
 * each for a while at a modest rate, with what the whole run cost (peak RSS of up and all its
 * children, CPU of up and of its children) per service, and whether every trace came whole.
 *
 * Options (env): BENCH_SIZES (default 20,50,100,200), BENCH_UP_SECONDS (default 30),
 * BENCH_UP_RPS (default 3: what a 2-core machine carries at 200 services), BENCH_UP_ARGS (more up
 * options, space-separated, e.g. --process-per-service), BENCH_SEED (default 1).
 */

const TARGET = 'target: 200 services, every trace whole, peak RSS ≤ 3 GB';

export interface UpScaleOptions {
  readonly sizes: number[];
  readonly seconds: number;
  readonly rps: number;
  readonly seed: number;
  readonly extraArgs: string[];
}

/** The options from the environment, or the reason they make no sense. */
export function upScaleOptions(env: NodeJS.ProcessEnv): UpScaleOptions | string {
  const sizes = (env.BENCH_SIZES ?? '20,50,100,200').split(',').map((text) => Number(text.trim()));
  const seconds = Number(env.BENCH_UP_SECONDS ?? 30);
  const rps = Number(env.BENCH_UP_RPS ?? 3);
  const seed = Number(env.BENCH_SEED ?? 1);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) return `BENCH_SIZES must be whole numbers ≥ 1, comma-separated (got "${env.BENCH_SIZES}")`;
  if (!(seconds > 0)) return `BENCH_UP_SECONDS must be a number of seconds > 0 (got "${env.BENCH_UP_SECONDS}")`;
  if (!(rps > 0)) return `BENCH_UP_RPS must be a rate > 0 (got "${env.BENCH_UP_RPS}")`;
  if (!Number.isInteger(seed) || seed < 0) return `BENCH_SEED must be a whole number ≥ 0 (got "${env.BENCH_SEED}")`;
  const extraArgs = (env.BENCH_UP_ARGS ?? '').split(/\s+/).filter(Boolean);
  return { sizes, seconds, rps, seed, extraArgs };
}

export async function benchUpAtScale(options: UpScaleOptions, cli: string): Promise<UpScaleResult[]> {
  console.log(`thespian up on generated tiered topologies (seed ${options.seed}): ${options.sizes.join(', ')} services, ${options.seconds} s each at ${options.rps} req/s in all`);
  console.log(`  up flags: --free-ports --quiet --duration ${options.seconds} --rps ${options.rps} --summary-json FILE${options.extraArgs.length > 0 ? ` ${options.extraArgs.join(' ')}` : ''}  (BENCH_UP_ARGS: ${options.extraArgs.length > 0 ? options.extraArgs.join(' ') : 'none'})`);
  console.log(`  RSS: the sum of VmRSS of up and every process under it, sampled every 500 ms; CPU: up's own, and its children's together; node procs: up and its service processes, at the most`);
  const results: UpScaleResult[] = [];
  for (const services of options.sizes) {
    const dir = mkdtempSync(join(tmpdir(), `thespian-scale-up-${services}-`));
    console.log(`size ${services}: starting`);
    const result = await runUpAtScale({ ...options, services, dir, cli }, (line) => console.log(line));
    console.log(`size ${services}: ${result.outcome}${result.problem ? ` (${result.problem})` : ''}, peak ${(result.peakRssMb / 1000).toFixed(2)} GB, ${result.peakProcesses} node processes`);
    results.push(result);
    rmSync(dir, { recursive: true, force: true });
  }
  printUpTable(results);
  return results;
}

const cell = (value: number | undefined, digits: number) => (value === undefined ? '-' : value.toFixed(digits));

function printUpTable(results: readonly UpScaleResult[]) {
  const header = ['services', 'outcome', 'node procs', 'peak RSS MB', 'RSS/svc MB', 'up CPU s', 'children CPU s', 'CPU/svc s', 'sent', 'failed', 'traces whole'];
  const widths = [8, 13, 10, 11, 10, 8, 14, 9, 5, 6, 0];
  const line = (cells: string[]) => `  ${cells.map((text, index) => (index === 1 || index === cells.length - 1 ? text.padEnd(widths[index]) : text.padStart(widths[index]))).join('  ')}`.trimEnd();
  console.log(line(header));
  for (const result of results) {
    const { summary } = result;
    const perService = (value: number | undefined) => (value === undefined ? undefined : value / result.services);
    const cpu = result.childrenCpuS === undefined ? undefined : result.childrenCpuS + (result.parentCpuS ?? 0);
    const missing = summary ? missingFromTraces(summary) : undefined;
    console.log(
      line([
        String(result.services),
        result.outcome,
        String(result.peakProcesses),
        cell(result.peakRssMb, 0),
        cell(perService(result.peakRssMb), 1),
        cell(result.parentCpuS, 1),
        cell(result.childrenCpuS, 1),
        cell(perService(cpu), 2),
        summary ? String(summary.requests.sent) : '-',
        summary ? String(summary.requests.failed) : '-',
        missing === undefined ? '-' : missing.length === 0 ? 'yes' : `no: ${missing.join(', ')}`,
      ]),
    );
  }
  console.log('  (RSS/svc: peak RSS of the whole tree over services; CPU/svc: up + children over services)');
  const met = results.some((result) => result.services >= 200 && result.outcome === 'ran' && result.summary && missingFromTraces(result.summary).length === 0 && result.peakRssMb <= 3000);
  console.log(`  ${TARGET}: ${results.some((result) => result.services >= 200) ? (met ? 'met' : 'not met') : 'not measured in this run'}`);
}
