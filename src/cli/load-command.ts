import { formatSummary, localTargets, ProgressDisplay, sendToTargets, StagePlan, StagePlanError, writeJsonResult, type LoadPlan, type LoadTarget } from '../traffic';
import { checkWritable } from './check-writable';
import { defineCommand } from './command';
import { loadCommandTopology } from './command-topology';
import { readFlags, type FlagTable } from './flag-table';
import { besideStdout, durationSeconds, grpcMethod, ratePerSecond, readerOf, targetAddress, wholeNumber, type ValueReader } from './option-readers';
import { readStageList } from './stage-list';
import { UsageError } from './usage-error';

/** With --target and no --rate, each target gets this many requests per second. */
const DEFAULT_RATE = 10;

const LOAD_FLAGS = {
  target: { value: 'HOST:PORT', repeatable: true, help: 'an instance, each at --rate; a bare PORT means 127.0.0.1:PORT', read: targetAddress },
  topology: {
    value: 'FILE',
    help: "the entry points of a topology run by `thespian up` (on 127.0.0.1, at each service's port), each at its own rps or through its own stages; or a bundled name",
  },
  rate: {
    value: 'R',
    help: `requests per second to each --target (default ${DEFAULT_RATE}; "200" or "200/s"); with --topology, the total, shared by the entry points in proportion to their rps`,
    read: loadMustBe('a number of requests per second > 0', ratePerSecond),
  },
  duration: { value: 'S', help: 'how long to send, e.g. 30, 30s, 2m; or give --requests (with staged entry points of --topology: until their stages end)', default: '10 s', read: loadMustBe('a time > 0 such as 30, 30s or 2m', durationSeconds) },
  stages: {
    value: 'D:R,...',
    help: 'ramp the rate through stages instead of --rate/--requests (and --duration, unless --repeat): 10s:100,1m:100,10s:0 ramps from 0 to 100/s over 10 s, holds it for a minute, then ramps down to 0 over 10 s (each stage from the rate before it, as in k6); each --target gets the stages; with --topology they are the total, shared as --rate is',
  },
  repeat: { help: 'cycle --stages until --duration ends (which it then needs), for a load that runs on: a compressed day, or a generator in a cluster' },
  requests: { value: 'N', help: 'how many requests in all (spread over targets by rate)', read: loadMustBe('a whole number ≥ 1', wholeNumber(1)) },
  method: { value: 'A|B|C', help: 'the method --target requests call', default: 'A', read: loadMustBe('A, B or C', grpcMethod) },
  'concurrency-limit': {
    value: 'N',
    help: 'at most N requests in flight; a request due at the limit is not sent and counts as "dropped (concurrency limit)": it is not queued, so the schedule of the others stays open-loop',
    read: loadMustBe('a whole number ≥ 1', wholeNumber(1)),
  },
  timeout: { value: 'D', help: 'deadline of each request: 10 (seconds), 10s, 500ms', default: '10 s', read: loadMustBe('a time > 0 such as 10, 10s or 500ms', durationSeconds) },
  channels: { value: 'N', help: 'HTTP/2 connections per target', default: '1', read: loadMustBe('a whole number ≥ 1', wholeNumber(1)) },
  json: {
    value: 'FILE',
    help: 'write the result as JSON: summary, counts by status, percentiles, and every request with its status, latencies and trace id',
    read: besideStdout('file name', "load's summary"),
  },
  quiet: { help: 'no progress line and no summary (use with --json)' },
} satisfies FlagTable;

interface LoadOptions {
  plan: LoadPlan;
  timeoutMs: number;
  channels: number;
  jsonPath?: string;
  quiet: boolean;
}

export const loadCommand = defineCommand(LOAD_FLAGS, {
  name: 'load',
  summary: 'send open-loop traffic at a fixed rate; report counts by status and latency percentiles',
  header: `Usage: thespian load (--target HOST:PORT ... | --topology FILE) [options]

Sends requests open-loop: request i is due at start + i/rate whatever the latency of the ones
before, so a slow server does not slow the load (no coordinated omission). With --stages the
rate ramps from stage to stage, and the nth request is due when the rate's integral reaches n.
Shows a progress line on stderr while running and a summary at the end: counts by status and
latency percentiles (p50, p90, p99, p99.9, max) from an HDR histogram, per stage too.`,
  sections: [
    { heading: 'Targets:', rows: ['target', 'topology'] },
    { heading: 'Options:', rows: ['rate', 'duration', 'requests', 'stages', 'repeat', 'method', 'concurrency-limit', 'timeout', 'channels', 'json', 'quiet'] },
  ],
  footer: `Latency percentiles count from each request's scheduled send time; "from sent" figures count
from the actual send. If this process cannot send at the rate asked, the summary says so.
Exit status: 0 when the run completes (failed requests are reported, not fatal), 2 for bad
arguments. Ctrl-C stops sending and prints the summary of what was sent.`,
  async run(args) {
    const options = parseLoadArgs(args);
    if (options.jsonPath !== undefined) checkWritable(options.jsonPath);
    let display: ProgressDisplay | undefined;
    const interrupt = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write('\nstopping: waiting for the requests in flight (Ctrl-C again to quit at once)\n');
      interrupt.abort();
    };
    process.on('SIGINT', onInterrupt);
    try {
      const result = await sendToTargets(
        { ...options.plan, keepRequests: options.jsonPath !== undefined },
        {
          timeoutMs: options.timeoutMs,
          channelsPerTarget: options.channels,
          signal: interrupt.signal,
          onStart: (run) => {
            if (!options.quiet) display = new ProgressDisplay(run, process.stderr).start();
          },
        },
      );
      display?.stop();
      if (!options.quiet) process.stdout.write(`${formatSummary(result.summary)}\n`);
      if (options.jsonPath !== undefined) {
        await writeJsonResult(options.jsonPath, result);
        if (!options.quiet) process.stderr.write(`wrote ${result.requests?.size ?? 0} requests to ${options.jsonPath}\n`);
      }
      return 0;
    } finally {
      display?.stop();
      process.off('SIGINT', onInterrupt);
    }
  },
});

function parseLoadArgs(args: string[]): LoadOptions {
  const { values, given, positionals, problems } = readFlags(args, LOAD_FLAGS);
  if (positionals.length > 0) problems.unshift(`unexpected argument "${positionals[0]}" (an instance goes after --target, a topology after --topology)`);
  if (given.has('duration') && given.has('requests')) problems.push('give --duration or --requests, not both');
  if (given.has('target') && given.has('topology')) problems.push('give --target or --topology, not both');
  else if (!given.has('target') && !given.has('topology')) problems.push('where to? Give --target HOST:PORT or --topology FILE');
  if (given.has('topology') && given.has('method')) problems.push("--method applies to --target only; a topology's entry points name their own methods");
  const stages = stagesOf(values.stages, values.repeat, given, problems);
  const targets: LoadTarget[] = values.target.map((address) =>
    stages ? { address, method: values.method, rate: stages.meanRate, stages } : { address, method: values.method, rate: values.rate ?? DEFAULT_RATE },
  );
  if (values.topology !== undefined && problems.length === 0) targets.push(...topologyTargets(values.topology, values.rate, stages));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const plan: LoadPlan =
    values.requests !== undefined ? { targets, requests: values.requests } : { targets, durationS: given.has('duration') ? values.duration : stagedDuration(targets) ?? values.duration };
  if (values['concurrency-limit'] !== undefined) plan.concurrencyLimit = values['concurrency-limit'];
  const options: LoadOptions = { plan, timeoutMs: values.timeout * 1000, channels: values.channels, quiet: values.quiet };
  if (values.json !== undefined) options.jsonPath = values.json;
  return options;
}

/** The --stages plan, or undefined without it; its problems (and the options it excludes) go to `problems`. */
function stagesOf(text: string | undefined, repeat: boolean, given: ReadonlySet<string>, problems: string[]): StagePlan | undefined {
  if (text === undefined) {
    if (repeat) problems.push('--repeat cycles --stages; give --stages too');
    return undefined;
  }
  for (const excluded of ['rate', 'requests']) {
    if (given.has(excluded)) problems.push(`--stages sets the rate and how long to send; give it or --${excluded}, not both`);
  }
  if (repeat && !given.has('duration')) problems.push('--repeat needs --duration: how long to cycle the stages');
  if (!repeat && given.has('duration')) problems.push('--stages sets how long to send; give it or --duration, not both (or add --repeat to cycle the stages for --duration)');
  const read = readStageList(text, repeat);
  if ('problems' in read) {
    problems.push(...read.problems);
    return undefined;
  }
  return read.plan;
}

/**
 * How long a plan with staged targets sends when no --duration says: until the longest stage
 * list ends (one cycle of one that repeats). Undefined when no target has stages.
 */
function stagedDuration(targets: readonly LoadTarget[]): number | undefined {
  const cycles = targets.flatMap((target) => (target.stages ? [target.stages.cycleMs / 1000] : []));
  return cycles.length > 0 ? Math.max(...cycles) : undefined;
}

/** load words a refused value as `…, not "fast"`. */
function loadMustBe<T>(what: string, parse: (text: string) => T | undefined): ValueReader<T> {
  return readerOf(parse, (text) => `must be ${what}, not "${text}"`);
}

/**
 * The topology's entry points, at the addresses a `thespian up` of the same file listens on
 * (127.0.0.1 and each service's port), each at its rps or through its stages; `--rate` scales
 * them to that total, and `--stages` gives each its share of those stages.
 */
function topologyTargets(path: string, totalRate: number | undefined, totalStages: StagePlan | undefined): LoadTarget[] {
  const topology = loadCommandTopology(path, { printWarnings: true });
  if (topology.entryPoints.length === 0) throw new UsageError(`${path} has no entry_points to send to; use --target HOST:PORT instead`);
  try {
    return localTargets(topology, totalStages ?? totalRate);
  } catch (error) {
    // An entry point's share of --stages can be too small for a double (every rate 0).
    if (error instanceof StagePlanError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}
