// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { LOG_LEVELS, MAX_SEED, type LogLevel } from '../config/setting-values';
import { defineCommand } from './command';
import { loadCommandTopology } from './command-topology';
import { readFlags, type FlagTable } from './flag-table';
import { besideStdout, durationSeconds, httpAddress, mustBe, numberFrom, oneOf, ratePerSecond, wholeNumber } from './option-readers';
import { UsageError } from './usage-error';
// not through the index: ensemble/index loads grpc-js and the collector, which reading the options does not need
import { PACK_ABOVE_SERVICES } from '../ensemble/process-plan';
// not through the index: pack/index loads the instance's config and telemetry, which reading the options does not need
import { MAX_PACKED_SERVICES } from '../pack/pack-file';

/** What up prints on stdout, so that its file options refuse a "-" for stdout. */
const UP_VIEW = "up's own view and summary";

const UP_FLAGS = {
  duration: { value: 'S', help: 'stop after S seconds (also 30s, 2m); default: until Ctrl-C', read: mustBe('a positive number of seconds, like 30, 30s or 2m', durationSeconds) },
  requests: { value: 'N', help: 'stop after N requests in all', read: mustBe('a whole number ≥ 1', wholeNumber(1)) },
  rps: { value: 'R', help: 'total request rate, shared among the entry points in their proportions', read: mustBe('a number > 0', ratePerSecond) },
  timeout: {
    value: 'D',
    help: 'deadline of each request: 10 (seconds), 10s, 500ms (default 10 s); a request past it fails with DEADLINE_EXCEEDED and the summary counts it',
    read: mustBe('a time > 0 such as 10, 10s or 500ms', durationSeconds),
  },
  json: {
    value: 'FILE',
    help: 'write every received span as a JSON line (trace_id, span_id, parent_span_id, service, name, kind, start, end, duration_ms, status, attributes, events), and a line with "type":"rpc_metrics" per service per metrics export (its calls, failures and duration buckets; see docs/up.md)',
    read: besideStdout('file name', UP_VIEW),
  },
  otlp: { value: 'URL', help: 'also send everything received over OTLP (spans, metrics, logs) on to this OTLP/gRPC backend (e.g. http://localhost:4317); what it loses is counted in the summary', read: mustBe('an http:// address like http://localhost:4317', httpAddress) },
  trees: { value: 'N', help: 'draw at most N trace trees per second, failed traces first', default: '1', read: mustBe('a number ≥ 0', numberFrom(0)) },
  quiet: { help: 'no trees and no live call table: the summary line only' },
  'no-incidents': {
    help: "do not play the topology's incidents (e.g. to play them with `thespian chaos run` or `thespian verify` instead); the services' admin API stays off unless THESPIAN_ADMIN_TOKEN is set",
  },
  'log-level': {
    value: 'LEVEL',
    help: "the services' LOG_LEVEL: error, warn, info (default) or debug; warn leaves only warnings and errors (far fewer lines to write at high rates)",
    read: mustBe(`one of ${LOG_LEVELS.join(', ')}`, oneOf(LOG_LEVELS)),
  },
  seed: {
    value: 'N',
    help: 'THESPIAN_SEED of every service (a whole number): the same failures and latencies, request by request, on every run',
    read: mustBe(`a whole number from 0 to ${MAX_SEED}`, wholeNumber(0, MAX_SEED)),
  },
  logs: {
    value: 'DIR',
    help: "keep the services' log files (<service>.log, or pack-N.log for services packed into one process) in DIR; by default they go to a temporary folder that is removed after a clean stop",
    read: besideStdout('directory', UP_VIEW),
  },
  'summary-json': { value: 'FILE', help: 'write the final summary as JSON (for scripts)', read: besideStdout('file name', UP_VIEW) },
  'query-port': {
    value: 'N',
    help: "serve the received traces and logs over HTTP on this port, in Tempo's and Loki's query formats (default: the port below base_port, e.g. 7099), for `thespian verify --embedded`; 0 turns it off",
    read: mustBe('a port number from 1 to 65535, or 0 for none', wholeNumber(0, 65535)),
  },
  'prometheus-sd': {
    value: 'FILE',
    help: "each service also serves Prometheus's /metrics on a free port (127.0.0.1), and FILE lists them as Prometheus file_sd targets labelled service=NAME (emptied at the end), for `thespian verify --prometheus`",
    read: besideStdout('file name', UP_VIEW),
  },
  'free-ports': {
    help: "run every service (and the query API) on a port the system picks instead of the topology's, e.g. beside another `up` of the same file; the ports are printed at start (`load --topology` and `verify --topology` send to the topology's ports, so give them --target instead)",
  },
  'process-per-service': {
    help: `give every service a process of its own, however many there are; by default a topology of more than ${PACK_ABOVE_SERVICES} services is packed, several services to a process (each still its own instance, port and telemetry), which costs far less memory; see docs/scale.md`,
  },
  'services-per-process': {
    value: 'N',
    help: 'pack N services into each process (1: one process each); default: one each up to 16 services, else at most 25 to a process and at least as many processes as cores',
    read: mustBe(`a whole number from 1 to ${MAX_PACKED_SERVICES}`, wholeNumber(1, MAX_PACKED_SERVICES)),
  },
} satisfies FlagTable;

export const upCommand = defineCommand(UP_FLAGS, {
  name: 'up',
  summary: 'run a topology as local processes with an embedded collector; draw its traces in the terminal',
  header: `Usage: thespian up [TOPOLOGY] [options]

Runs a whole ecosystem on this machine, no Docker needed: every service of the topology as a
real Thespian instance (its own process, or packed with others into one in a large topology;
real gRPC between them), an embedded OTLP receiver (traces, metrics, logs)
and Loki receiver they report to, and traffic to the entry points at their rates. Each completed
trace is drawn as a tree; a live table shows each service's calls from its own metrics, and a
summary line keeps count. TOPOLOGY is a file, or the name of a bundled example
(search_fanout); with none it runs example_configs/ecosystem.jsonc. Services listen on
127.0.0.1 at their topology ports (base_port + index unless set), so \`thespian load --topology\`
and other tools can reach them.

The topology's incidents are played from the start of traffic, through the services' admin API
(each window's start and end is a line in the view). With THESPIAN_ADMIN_TOKEN set, the services
get that token, so that \`thespian chaos\` reaches them too; without, a token made for the run.`,
  footer: `Ctrl-C (or the end of --duration/--requests) stops sending, waits for requests in flight (at most
their deadline), stops the services (they flush their telemetry) and prints the final summary; a
second Ctrl-C kills the services and quits at once (exit 130). Services never outlive this
command, even if it is killed. Exit status: 0 after a run, 1 if a service cannot start, 2 for a
bad topology or bad options. See docs/up.md.`,
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
});

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
    prometheusSdFile?: string;
    servicesPerProcess?: number;
    playIncidents: boolean;
    adminToken?: string;
  };
}

function parseUpArgs(args: string[]): ParsedUpArgs {
  const { values, positionals, problems } = readFlags(args, UP_FLAGS);
  if (positionals.length > 1) problems.unshift(`one topology at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);
  if (values['process-per-service'] && values['services-per-process'] !== undefined) problems.push('--process-per-service and --services-per-process say the same thing: give one');
  // Required here: config/index loads the engine (see the top of this file), which only a run needs.
  const { adminTokenFrom } = require('../config') as typeof import('../config');
  const admin = adminTokenFrom(process.env, false);
  if (admin.problem) problems.push(admin.problem);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const { duration, timeout, 'query-port': queryPort } = values;
  return {
    topologyPath: positionals[0],
    options: {
      durationMs: duration === undefined ? undefined : duration * 1000,
      requestTimeoutMs: timeout === undefined ? undefined : Math.max(1, Math.round(timeout * 1000)),
      maxRequests: values.requests,
      totalRps: values.rps,
      jsonFile: values.json,
      otlpUrl: values.otlp,
      quiet: values.quiet,
      treesPerSecond: values.trees,
      summaryJsonFile: values['summary-json'],
      logDir: values.logs,
      logLevel: values['log-level'],
      seed: values.seed,
      queryPort: queryPort === 0 ? null : queryPort,
      freePorts: values['free-ports'],
      prometheusSdFile: values['prometheus-sd'],
      servicesPerProcess: values['process-per-service'] ? 1 : values['services-per-process'],
      playIncidents: !values['no-incidents'],
      ...(admin.token === undefined ? {} : { adminToken: admin.token }),
    },
  };
}
