import { LOG_LEVELS, MAX_SEED, type LogLevel } from '../config/setting-values';
import { durationSeconds, numberAtLeast, ratePerSecond, wholeNumberAtLeast } from './option-values';
import type { Command } from './command';
import { loadCommandTopology } from './command-topology';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

const USAGE = `Usage: thespian up [TOPOLOGY] [options]

Runs a whole ecosystem on this machine, no Docker needed: every service of the topology as its
own Thespian process (real gRPC between them), an embedded OTLP trace receiver and Loki receiver
they report to, and traffic to the entry points at their rates. Each completed trace is drawn as
a tree; a summary line keeps count. TOPOLOGY is a file, or the name of a bundled example
(search_fanout); with none it runs example_configs/ecosystem.jsonc. Services listen on
127.0.0.1 at their topology ports (base_port + index unless set), so \`thespian load --topology\`
and other tools can reach them.

Options:
  --duration S        stop after S seconds (also 30s, 2m); default: until Ctrl-C
  --requests N        stop after N requests in all
  --rps R             total request rate, shared among the entry points in their proportions
  --timeout D         deadline of each request: 10 (seconds), 10s, 500ms (default 10 s); a request
                      past it fails with DEADLINE_EXCEEDED and the summary counts it
  --json FILE         write every received span as a JSON line (trace_id, span_id, parent_span_id,
                      service, name, kind, start, end, duration_ms, status, attributes, events)
  --otlp URL          also send every span to this OTLP/gRPC backend (e.g. http://localhost:4317)
  --trees N           draw at most N trace trees per second (default 1; failed traces first)
  --quiet             no trees: the summary line only
  --log-level LEVEL   the services' LOG_LEVEL: error, warn, info (default) or debug; warn leaves
                      only warnings and errors (far fewer lines to write at high rates)
  --seed N            THESPIAN_SEED of every service (a whole number): the same failures and
                      latencies, request by request, on every run
  --logs DIR          keep the services' log files (<service>.log) in DIR; by default they go to a
                      temporary folder that is removed after a clean stop
  --summary-json FILE write the final summary as JSON (for scripts)
  --query-port N      serve the received traces and logs over HTTP on this port, in Tempo's and
                      Loki's query formats (default: the port below base_port, e.g. 7099), for
                      \`thespian verify --embedded\`; 0 turns it off
  --free-ports        run every service (and the query API) on a port the system picks instead of
                      the topology's, e.g. beside another \`up\` of the same file; the ports are
                      printed at start (\`load --topology\` and \`verify --topology\` send to the
                      topology's ports, so give them --target instead)

Ctrl-C (or the end of --duration/--requests) stops sending, waits for requests in flight (at most
their deadline), stops the services (they flush their telemetry) and prints the final summary; a
second Ctrl-C kills the services and quits at once (exit 130). Services never outlive this
command, even if it is killed. Exit status: 0 after a run, 1 if a service cannot start, 2 for a
bad topology or bad options. See docs/up.md.`;

export const upCommand: Command = {
  name: 'up',
  summary: 'run a topology as local processes with an embedded collector; draw its traces in the terminal',
  usage: USAGE,
  async run(args) {
    const parsed = parseUpArgs(args);
    // Its report lists the topology's warnings.
    const loaded = loadCommandTopology(parsed.topologyPath, { printWarnings: false });
    // Required here, not imported above: command modules load grpc-js only when they run.
    const ensemble = require('../ensemble') as typeof import('../ensemble');
    const tty = process.stdout.isTTY === true;
    return ensemble.runUp({
      ...parsed.options,
      topology: loaded,
      out: process.stdout,
      err: process.stderr,
      tty,
      // hasColors() honours NO_COLOR, FORCE_COLOR and TERM=dumb.
      colour: tty && process.stdout.hasColors(),
      width: tty ? Math.max(60, Math.min(120, process.stdout.columns || 80)) : 80,
    });
  },
};

interface ParsedUpArgs {
  topologyPath?: string;
  options: {
    durationMs?: number;
    maxRequests?: number;
    totalRps?: number;
    requestTimeoutMs?: number;
    jsonFile?: string;
    otlpUrl?: string;
    quiet: boolean;
    treesPerSecond: number;
    summaryJsonFile?: string;
    logDir?: string;
    logLevel?: LogLevel;
    seed?: number;
    queryPort?: number | null;
    freePorts: boolean;
  };
}

function parseUpArgs(args: string[]): ParsedUpArgs {
  const parsed = parseCommandArgs(args, {
    duration: { type: 'string' },
    requests: { type: 'string' },
    rps: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'string' },
    otlp: { type: 'string' },
    trees: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'summary-json': { type: 'string' },
    logs: { type: 'string' },
    'log-level': { type: 'string' },
    seed: { type: 'string' },
    'query-port': { type: 'string' },
    'free-ports': { type: 'boolean', default: false },
  });
  const { values, positionals } = parsed;
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`one topology at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);

  const duration = values.duration === undefined ? undefined : durationSeconds(values.duration);
  if (values.duration !== undefined && duration === undefined) problems.push(`--duration must be a positive number of seconds, like 30, 30s or 2m (got "${values.duration}")`);
  // Through the shared readers: a bare Number() took "" as 0 (--query-port= silently turned the API off).
  const requests = values.requests === undefined ? undefined : (wholeNumberAtLeast(values.requests, 1) ?? NaN);
  if (requests !== undefined && Number.isNaN(requests)) problems.push(`--requests must be a whole number ≥ 1 (got "${values.requests}")`);
  const rps = values.rps === undefined ? undefined : (ratePerSecond(values.rps) ?? NaN);
  if (rps !== undefined && Number.isNaN(rps)) problems.push(`--rps must be a number > 0 (got "${values.rps}")`);
  const timeout = values.timeout === undefined ? undefined : durationSeconds(values.timeout);
  if (values.timeout !== undefined && timeout === undefined) problems.push(`--timeout must be a time > 0 such as 10, 10s or 500ms (got "${values.timeout}")`);
  const trees = values.trees === undefined ? 1 : (numberAtLeast(values.trees, 0) ?? NaN);
  if (Number.isNaN(trees)) problems.push(`--trees must be a number ≥ 0 (got "${values.trees}")`);
  const otlp = values.otlp === undefined ? undefined : otlpUrl(values.otlp);
  if (otlp === null) problems.push(`--otlp must be an http:// address like http://localhost:4317 (got "${values.otlp}")`);
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const seed = values.seed === undefined ? undefined : wholeNumberAtLeast(values.seed, 0);
  if (values.seed !== undefined && (seed === undefined || seed > MAX_SEED)) problems.push(`--seed must be a whole number from 0 to ${MAX_SEED} (got "${values.seed}")`);
  const queryPort = values['query-port'] === undefined ? undefined : (wholeNumberAtLeast(values['query-port'], 0) ?? NaN);
  if (queryPort !== undefined && !(queryPort <= 65535)) {
    problems.push(`--query-port must be a port number from 1 to 65535, or 0 for none (got "${values['query-port']}")`);
  }
  for (const name of ['json', 'summary-json', 'logs'] as const) if (values[name] === '') problems.push(`--${name} needs a file name`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  return {
    topologyPath: positionals[0],
    options: {
      durationMs: duration === undefined ? undefined : duration * 1000,
      requestTimeoutMs: timeout === undefined ? undefined : Math.max(1, Math.round(timeout * 1000)),
      maxRequests: requests,
      totalRps: rps,
      jsonFile: values.json,
      otlpUrl: otlp ?? undefined,
      quiet: values.quiet ?? false,
      treesPerSecond: trees,
      summaryJsonFile: values['summary-json'],
      logDir: values.logs,
      logLevel: logLevel as LogLevel | undefined,
      seed,
      queryPort: queryPort === 0 ? null : queryPort,
      freePorts: values['free-ports'] ?? false,
    },
  };
}

/** Accepts host:port too; http:// is assumed. */
function otlpUrl(text: string): string | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `http://${text.trim()}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' || url.protocol === 'https:' ? withScheme.replace(/\/+$/, '') : null;
  } catch {
    return null;
  }
}
