import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpResult } from '../../src/ensemble';
import { sampleTree, totalRssMb } from './process-tree';

/**
 * One `thespian up` of a generated topology, as the scale bench runs it: the topology made by
 * `thespian generate`, up run for a while at a modest rate with --summary-json, and the whole
 * process tree under it sampled from /proc meanwhile. A run that cannot start, fails or hangs is
 * a result like any other, so that the bench goes on with the next size.
 */

export interface UpScaleSettings {
  readonly services: number;
  readonly seconds: number;
  readonly rps: number;
  readonly seed: number;
  /** More `up` options, such as --process-per-service. */
  readonly extraArgs: readonly string[];
  /** Where the topology, the summary and up's output go. */
  readonly dir: string;
  /** The CLI to run: dist/cli/main.js of this build. */
  readonly cli: string;
}

export type UpScaleOutcome = 'ran' | 'did not start' | 'failed' | 'timed out';

export interface UpScaleResult {
  readonly services: number;
  readonly outcome: UpScaleOutcome;
  /** What went wrong, in a line: up's exit and the last thing it said. */
  readonly problem?: string;
  readonly peakRssMb: number;
  /** up and the node processes under it (the services' processes). */
  readonly peakProcesses: number;
  /** up's own CPU (from its summary, else from /proc). */
  readonly parentCpuS?: number;
  /** All its children's CPU together (from its summary, else the last /proc reading of each). */
  readonly childrenCpuS?: number;
  readonly summary?: UpResult;
}

const SAMPLE_MS = 500;
const PROGRESS_MS = 5000;
const LAST_LINES = 8;

export async function runUpAtScale(settings: UpScaleSettings, progress: (line: string) => void): Promise<UpScaleResult> {
  const topology = join(settings.dir, `tiered-${settings.services}.jsonc`);
  const made = generate(settings, topology);
  if (made !== undefined) return { services: settings.services, outcome: 'did not start', problem: `generate: ${made}`, peakRssMb: 0, peakProcesses: 0 };
  const summaryFile = join(settings.dir, `summary-${settings.services}.json`);
  const run = await watchUp(settings, upArgs(settings, topology, summaryFile), progress);
  const summary = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as UpResult) : undefined;
  const outcome: UpScaleOutcome = run.timedOut ? 'timed out' : run.code === 0 && summary ? 'ran' : run.readyAtMs === undefined ? 'did not start' : 'failed';
  return {
    services: settings.services,
    outcome,
    problem: problemOf(outcome, run, settings),
    peakRssMb: run.peakRssMb,
    peakProcesses: run.peakProcesses,
    parentCpuS: summary?.cpuSeconds.parent ?? run.parentCpuS,
    childrenCpuS: summary?.cpuSeconds.services ?? run.childrenCpuS,
    summary,
  };
}

function problemOf(outcome: UpScaleOutcome, run: WatchedRun, settings: UpScaleSettings): string | undefined {
  if (outcome === 'ran') return undefined;
  if (outcome === 'timed out') return `still running after ${Math.round(deadlineMs(settings) / 1000)} s, so stopped as Ctrl-C would (exit ${run.code ?? run.signal})`;
  return `exit ${run.code ?? run.signal}: ${run.lastLines.slice(-2).join(' / ') || '(no output)'}`;
}

/** What keeps a run from counting as whole (empty when every trace arrived whole). */
export function missingFromTraces(summary: UpResult): string[] {
  const { requests, traces, spans } = summary;
  const answered = requests.ok + requests.failed;
  const missing: string[] = [];
  if (requests.sent === 0) missing.push('no request sent');
  if (requests.unanswered > 0) missing.push(`${requests.unanswered} unanswered`);
  if (traces.complete < answered) missing.push(`${answered - traces.complete} of ${answered} traces without their root`);
  if (traces.withOrphans > 0) missing.push(`${traces.withOrphans} missing a parent span`);
  if (spans.okTracesWithMissingSpans > 0) missing.push(`${spans.okTracesWithMissingSpans} ok traces short of spans`);
  if (spans.okTracesExpected !== null && spans.okTracesReceived !== spans.okTracesExpected) missing.push(`${spans.okTracesReceived} of ${spans.okTracesExpected} expected spans`);
  if (spans.late > 0) missing.push(`${spans.late} spans late`);
  return missing;
}

function generate(settings: UpScaleSettings, file: string): string | undefined {
  const args = [settings.cli, 'generate', '--services', String(settings.services), '--shape', 'tiered', '--seed', String(settings.seed), '-o', file];
  const made = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return made.status === 0 ? undefined : (made.stderr.trim().split('\n').at(-1) ?? `exit ${made.status}`);
}

function upArgs(settings: UpScaleSettings, topology: string, summaryFile: string): string[] {
  const timing = ['--duration', String(settings.seconds), '--rps', String(settings.rps)];
  return [settings.cli, 'up', topology, '--free-ports', '--quiet', ...timing, '--summary-json', summaryFile, ...settings.extraArgs];
}

interface WatchedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  readyAtMs?: number;
  lastLines: string[];
  peakRssMb: number;
  peakProcesses: number;
  parentCpuS?: number;
  childrenCpuS?: number;
}

/** Starting takes longer the more services there are; past this the run is stopped as hung. */
function deadlineMs(settings: UpScaleSettings): number {
  return (60 + 1.5 * settings.services + settings.seconds + 120) * 1000;
}

/** Runs up to its end, sampling its process tree every SAMPLE_MS and saying how it goes every PROGRESS_MS. */
function watchUp(settings: UpScaleSettings, args: string[], progress: (line: string) => void): Promise<WatchedRun> {
  const started = Date.now();
  const run: WatchedRun = { code: null, signal: null, timedOut: false, lastLines: [], peakRssMb: 0, peakProcesses: 0 };
  const cpuByChild = new Map<number, number>();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping = false;
  const keepLines = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').map((text) => text.trim()).filter(Boolean)) {
      if (line.startsWith('ready:')) run.readyAtMs = Date.now();
      if (line.startsWith('stopping')) stopping = true;
      run.lastLines = [...run.lastLines, line].slice(-LAST_LINES);
    }
  };
  child.stdout.on('data', keepLines);
  child.stderr.on('data', keepLines);
  const sample = () => {
    if (child.pid === undefined) return;
    const tree = sampleTree(child.pid);
    run.peakRssMb = Math.max(run.peakRssMb, totalRssMb(tree));
    // Node processes only: each instance starts a short-lived `chrt` for its timer thread, which
    // counts in the RSS while it lives but is no process of the run in the sense a reader means.
    run.peakProcesses = Math.max(run.peakProcesses, tree.descendants.filter((member) => member.command === 'node').length + 1);
    if (tree.root) run.parentCpuS = tree.root.cpuSeconds;
    for (const member of tree.descendants) cpuByChild.set(member.pid, member.cpuSeconds);
    run.childrenCpuS = [...cpuByChild.values()].reduce((sum, seconds) => sum + seconds, 0);
  };
  const say = () => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    const state = stopping
      ? `stopping, ${elapsed} s in`
      : run.readyAtMs === undefined
        ? `starting, ${elapsed} s in`
        : `sending, ${Math.max(0, Math.round(settings.seconds - (Date.now() - run.readyAtMs) / 1000))} s left`;
    progress(`  [${settings.services} services] ${state}; peak ${run.peakProcesses} node processes, ${(run.peakRssMb / 1000).toFixed(2)} GB`);
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const talker = setInterval(say, PROGRESS_MS);
  const seen = new Set<number>();
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, act: () => void) => timers.push(setTimeout(act, ms));
  later(deadlineMs(settings), () => {
    run.timedOut = true;
    for (const member of child.pid === undefined ? [] : sampleTree(child.pid).descendants) seen.add(member.pid);
    child.kill('SIGINT');
    // A second Ctrl-C quits at once; past that, the run is killed, and whatever it left behind.
    later(20_000, () => child.kill('SIGINT'));
    later(40_000, () => {
      child.kill('SIGKILL');
      for (const pid of seen) killQuietly(pid);
    });
  });
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(sampler);
      clearInterval(talker);
      // Pids outlive their processes: none of this run's may be killed once it is over.
      for (const timer of timers) clearTimeout(timer);
      resolve(run);
    };
    child.on('error', (error) => {
      run.lastLines.push(error.message);
      finish();
    });
    child.on('exit', (code, signal) => {
      run.code = code;
      run.signal = signal;
      finish();
    });
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
