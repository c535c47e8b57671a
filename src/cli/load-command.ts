import type { GrpcMethod } from '../engine';
import { formatSummary, localTargets, parseTargetAddress, ProgressDisplay, sendToTargets, TargetAddressError, writeJsonResult, type LoadPlan, type LoadTarget } from '../traffic';
import { durationSeconds, ratePerSecond, wholeNumberAtLeast } from './option-values';
import { checkWritable } from './check-writable';
import type { Command } from './command';
import { loadCommandTopology } from './command-topology';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

const USAGE = `Usage: thespian load (--target HOST:PORT ... | --topology FILE) [options]

Sends requests open-loop: request i is due at start + i/rate whatever the latency of the ones
before, so a slow server does not slow the load (no coordinated omission). Shows a progress
line on stderr while running and a summary at the end: counts by status and latency
percentiles (p50, p90, p99, p99.9, max) from an HDR histogram.

Targets:
  --target HOST:PORT       an instance (repeatable; each gets --rate); a bare PORT means 127.0.0.1:PORT
  --topology FILE          the entry points of a topology run by \`thespian up\` (on 127.0.0.1, at
                           each service's port), each at its own rps; or a bundled name
Options:
  --rate R                 requests per second to each --target (default 10; "200" or "200/s");
                           with --topology, the total, shared by the entry points in proportion
                           to their rps
  --duration S             how long to send, e.g. 30, 30s, 2m (default 10 s)...
  --requests N             ...or how many requests in all (spread over targets by rate)
  --method A|B|C           the method --target requests call (default A)
  --concurrency-limit N    at most N requests in flight; a request due at the limit is not sent
                           and counts as "dropped (concurrency limit)": it is not queued, so the
                           schedule of the others stays open-loop
  --timeout D              deadline of each request: 10 (seconds), 10s, 500ms (default 10 s)
  --channels N             HTTP/2 connections per target (default 1)
  --json FILE              write the result as JSON: summary, counts by status, percentiles, and
                           every request with its status, latencies and trace id
  --quiet                  no progress line and no summary (use with --json)

Latency percentiles count from each request's scheduled send time; "from sent" figures count
from the actual send. If this process cannot send at the rate asked, the summary says so.
Exit status: 0 when the run completes (failed requests are reported, not fatal), 2 for bad
arguments. Ctrl-C stops sending and prints the summary of what was sent.`;

interface LoadOptions {
  plan: LoadPlan;
  timeoutMs: number;
  channels: number;
  jsonPath?: string;
  quiet: boolean;
}

export const loadCommand: Command = {
  name: 'load',
  summary: 'send open-loop traffic at a fixed rate; report counts by status and latency percentiles',
  usage: USAGE,
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
};

function parseLoadArgs(args: string[]): LoadOptions {
  const parsed = parseCommandArgs(args, {
    target: { type: 'string', multiple: true },
    topology: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    requests: { type: 'string' },
    method: { type: 'string' },
    'concurrency-limit': { type: 'string' },
    timeout: { type: 'string' },
    channels: { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const values = parsed.values;
  const problems: string[] = [];
  if (parsed.positionals.length > 0) problems.push(`unexpected argument "${parsed.positionals[0]}" (an instance goes after --target, a topology after --topology)`);
  const check = <T>(text: string | undefined, parse: (text: string) => T | undefined, problem: string): T | undefined => {
    if (text === undefined) return undefined;
    const value = parse(text);
    if (value === undefined) problems.push(`${problem}, not "${text}"`);
    return value;
  };

  const rate = check(values.rate, ratePerSecond, '--rate must be a number of requests per second > 0');
  const durationS = check(values.duration, durationSeconds, '--duration must be a time > 0 such as 30, 30s or 2m');
  const requests = check(values.requests, (text) => wholeNumberAtLeast(text, 1), '--requests must be a whole number ≥ 1');
  const concurrencyLimit = check(values['concurrency-limit'], (text) => wholeNumberAtLeast(text, 1), '--concurrency-limit must be a whole number ≥ 1');
  const timeoutS = check(values.timeout, durationSeconds, '--timeout must be a time > 0 such as 10, 10s or 500ms');
  const channels = check(values.channels, (text) => wholeNumberAtLeast(text, 1), '--channels must be a whole number ≥ 1');
  if (durationS !== undefined && requests !== undefined) problems.push('give --duration or --requests, not both');
  if (values.json === '') problems.push('--json needs a file name');

  let method: GrpcMethod = 'A';
  if (values.method !== undefined) {
    const upper = values.method.toUpperCase();
    if (upper === 'A' || upper === 'B' || upper === 'C') method = upper;
    else problems.push(`--method must be A, B or C, not "${values.method}"`);
  }

  const targets: LoadTarget[] = [];
  const addresses = values.target ?? [];
  if (addresses.length > 0 && values.topology !== undefined) problems.push('give --target or --topology, not both');
  else if (addresses.length === 0 && values.topology === undefined) problems.push('where to? Give --target HOST:PORT or --topology FILE');
  for (const text of addresses) {
    try {
      targets.push({ address: parseTargetAddress(text), method, rate: rate ?? 10 });
    } catch (error) {
      if (!(error instanceof TargetAddressError)) throw error;
      problems.push(`--target ${error.message}`);
    }
  }
  if (values.topology !== undefined && values.method !== undefined) {
    problems.push("--method applies to --target only; a topology's entry points name their own methods");
  }
  if (values.topology !== undefined && problems.length === 0) targets.push(...topologyTargets(values.topology, rate));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const plan: LoadPlan = requests !== undefined ? { targets, requests } : { targets, durationS: durationS ?? 10 };
  if (concurrencyLimit !== undefined) plan.concurrencyLimit = concurrencyLimit;
  const options: LoadOptions = { plan, timeoutMs: (timeoutS ?? 10) * 1000, channels: channels ?? 1, quiet: values.quiet === true };
  if (values.json !== undefined) options.jsonPath = values.json;
  return options;
}

/**
 * The topology's entry points, at the addresses a `thespian up` of the same file listens on
 * (127.0.0.1 and each service's port), each at its rps; `--rate` scales them to that total.
 */
function topologyTargets(path: string, totalRate: number | undefined): LoadTarget[] {
  const topology = loadCommandTopology(path, { printWarnings: true });
  if (topology.entryPoints.length === 0) throw new UsageError(`${path} has no entry_points to send to; use --target HOST:PORT instead`);
  return localTargets(topology, totalRate);
}
