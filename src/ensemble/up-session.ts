import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { ConfigError } from '../config/config-error';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultQueryPort,
  LogStore,
  LokiPushReceiver,
  OtlpTraceReceiver,
  QueryApiServer,
  TraceStore,
  spanJsonLine,
  startOtlpForwarder,
  TraceAssembler,
  type AssembledTrace,
  type OtlpForwarder,
  type ReceivedSpan,
} from '../collector';
import type { Topology } from '../topology';
import { Ensemble, EnsembleStartError } from './ensemble';
import { withFreePorts } from './free-ports';
import { cpuSecondsOf, ownCpuSeconds } from './process-cpu';
import { RunSummary } from './run-summary';
import { TerminalView } from './terminal-view';
import { TraceTally } from './trace-tally';
import { TrafficDriver, type RequestOutcome, type TrafficTarget } from './traffic-driver';
import { describeExit, finalSummary, formatRate, formatSeconds, printHeader, type UpResult } from './up-report';

export interface UpOptions {
  readonly topology: Topology;
  /** Stop sending after this long. */
  readonly durationMs?: number;
  /** Stop after this many requests. */
  readonly maxRequests?: number;
  /** Total request rate, shared among the entry points in the proportions of their rps. */
  readonly totalRps?: number;
  /** Deadline of each request (default DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** Every received span as a JSON line. */
  readonly jsonFile?: string;
  /** Also send every span to this OTLP/gRPC backend. */
  readonly otlpUrl?: string;
  readonly quiet: boolean;
  readonly treesPerSecond: number;
  /** Where the services' log files go; default a temporary folder, removed after a clean run. */
  readonly logDir?: string;
  /** THESPIAN_SEED of every service. */
  readonly seed?: number;
  /** The services' log level (default info). */
  readonly logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** The final summary as JSON, for scripts and the benchmark. */
  readonly summaryJsonFile?: string;
  /** Port of the Tempo/Loki-style query API (`verify --embedded` reads it); default just below base_port (any free one with freePorts); null: none. */
  readonly queryPort?: number | null;
  /** Every service on a port the system picks instead of its topology port. */
  readonly freePorts?: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly tty: boolean;
  readonly colour: boolean;
  readonly width: number;
}

/** A trace is complete once its root has arrived and no span of it came for this long. */
const TRACE_QUIET_MS = 1_000;
/** Each request's deadline unless --timeout says otherwise. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * Every request ends by its deadline, so waiting for those in flight takes at most that long;
 * this much more covers the client's own timer being late on a busy machine.
 */
const DRAIN_MARGIN_MS = 2_000;
/** Exit status after a second signal, as a shell reports a process ended by SIGINT. */
const QUIT_NOW_EXIT_CODE = 130;
/** Services get this long to drain and flush after SIGTERM before they are killed. */
const SERVICE_STOP_MS = 15_000;
const FORWARD_FLUSH_MS = 5_000;
/** More requests in flight than this many seconds of traffic (and at least OVERLOAD_IN_FLIGHT) means the services are falling behind. */
const OVERLOAD_SECONDS = 3;
const OVERLOAD_IN_FLIGHT = 50;
/** What the query API keeps for looking back: about a minute and a half of a busy run. */
const QUERY_MAX_SPANS = 200_000;
const QUERY_MAX_LINES = 200_000;
/** How often a crashed service (or an overload) is looked for. */
const WATCH_INTERVAL_MS = 500;

/**
 * `thespian up`: the embedded collector, the services, the traffic and the live view, and the
 * orderly stop: stop sending → let requests in flight answer → SIGTERM the services (they drain
 * and flush) → wait for their last spans → final summary. Resolves to the exit code.
 */
export async function runUp(given: UpOptions): Promise<number> {
  const options = given.freePorts ? { ...given, topology: await withFreePorts(given.topology) } : given;
  const { topology, out } = options;
  const say = (line = '') => out.write(`${line}\n`);
  // Files first: a path that cannot be written is bad input, reported before anything starts.
  const json = options.jsonFile ? createWriteStream('', { fd: openForWriting(options.jsonFile, '--json') }) : undefined;
  if (options.summaryJsonFile) closeSync(openForWriting(options.summaryJsonFile, '--summary-json'));
  const logDir = options.logDir ? makeFolder(options.logDir) : mkdtempSync(join(tmpdir(), 'thespian-up-'));
  const receiver = await OtlpTraceReceiver.start({ maxSpans: 0 });
  const loki = await LokiPushReceiver.start({ maxLines: 0 });
  const targets = trafficTargets(topology, options.totalRps);
  const serviceColours = new Map(topology.services.map((service, index) => [service.name, index]));

  printHeader(options, targets, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, logDir, say);
  const traceStore = new TraceStore(QUERY_MAX_SPANS);
  const logStore = new LogStore(QUERY_MAX_LINES);
  const query = await startQueryApi(options, traceStore, logStore, say);

  let forwarder: OtlpForwarder | undefined;
  const tally = new TraceTally(topology);
  const summary = new RunSummary();
  let view: TerminalView | undefined;
  const onTrace = (trace: AssembledTrace) => {
    if (tally.countTrace(trace)) view?.offer(trace);
  };
  let logLines = 0;
  const assembler = new TraceAssembler({ onTrace, quietMs: TRACE_QUIET_MS });

  receiver.onSpans((spans: ReceivedSpan[]) => {
    tally.countSpans(spans);
    traceStore.add(spans);
    if (json) json.write(spans.map(spanJsonLine).join('\n') + '\n');
    forwarder?.forward(spans);
    assembler.add(spans);
  });
  loki.onLines((lines) => {
    logLines += lines.length;
    logStore.add(lines);
  });
  if (options.otlpUrl) forwarder = startOtlpForwarder(options.otlpUrl);

  let pastDeadline = 0;
  const driver = new TrafficDriver({
    targets,
    maxRequests: options.maxRequests,
    durationMs: options.durationMs,
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    onOutcome: (outcome: RequestOutcome) => {
      summary.record(outcome);
      if (outcome.pastDeadline) pastDeadline++;
    },
  });

  // Signals are ours from here on, so even a Ctrl-C during start-up stops everything in order.
  let ensemble: Ensemble | undefined;
  let stoppedBy = 'the end of the run';
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      stoppedBy = signal;
      driver.stop();
      return;
    }
    // A second Ctrl-C: wait for nothing. The services get SIGKILL (here, or from the exit hook of
    // an ensemble still starting), and what they had not yet flushed is lost, which is said.
    ensemble?.killNow();
    view?.stop();
    // It was created empty at start, to refuse an unwritable path before anything ran; left so, a
    // script would read an empty file as a summary.
    if (options.summaryJsonFile) rmSync(options.summaryJsonFile, { force: true });
    options.err.write(
      `\nthespian up: ${signal} again: services killed, stopped at once with ${driver.inFlight} request${driver.inFlight === 1 ? '' : 's'} in flight; ` +
        `the final summary is not printed${options.summaryJsonFile ? ' nor written' : ''}${options.logDir ? '' : ` and the logs stay in ${logDir}`}\n`,
    );
    process.exit(QUIT_NOW_EXIT_CODE);
  };
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signalNames) process.on(signal, onSignal);

  try {
    ensemble = await Ensemble.start({ topology, otlpEndpoint: receiver.endpoint, lokiEndpoint: loki.endpoint, logDir, logLevel: options.logLevel, seed: options.seed });
  } catch (error) {
    for (const signal of signalNames) process.off(signal, onSignal);
    driver.close();
    await Promise.all([receiver.close(), loki.close(), query?.close(), forwarder?.shutdown(0), closeStream(json)]);
    // A service that did not start left the reason in its log, so the folder stays; a refusal
    // before any service ran (a port in use) left nothing in it.
    if (!options.logDir && !(error instanceof EnsembleStartError)) rmSync(logDir, { recursive: true, force: true });
    if (error instanceof EnsembleStartError) {
      options.err.write(`thespian up: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const services = ensemble;
  say(`ready: ${ensemble.services.map((service) => `${service.name} pid ${service.pid}`).join(', ')}`);
  say('Ctrl-C stops everything.');
  say();

  view = new TerminalView({
    out,
    tty: options.tty,
    colour: options.colour,
    width: options.width,
    treesPerSecond: options.treesPerSecond,
    quiet: options.quiet,
    serviceColours,
    status: () => summary.line({ elapsedMs: driver.elapsedMs, sent: driver.sent, spans: tally.spans, inFlight: driver.inFlight }),
  });
  assembler.start();
  view.start();
  // A signal during start-up has already stopped the driver; then no traffic is sent at all.
  driver.start();

  let crashedService = false;
  let warnedOverload = false;
  const watcher = setInterval(() => {
    if (!warnedOverload && driver.inFlight > Math.max(OVERLOAD_IN_FLIGHT, driver.targetRate * OVERLOAD_SECONDS)) {
      warnedOverload = true;
      view!.println(
        `warning: ${driver.inFlight} requests in flight: the services cannot keep up with ${formatRate(driver.targetRate)}/s on this machine, ` +
          'so latency grows (the traffic does not wait for answers); try a lower --rps, or --log-level warn',
      );
    }
    const crashed = services.crashed;
    if (crashed.length === 0) return;
    clearInterval(watcher);
    stoppedBy = `service ${crashed[0].name} exited unexpectedly`;
    crashedService = true;
    view!.println(...crashed.map((service) => `service ${service.name} exited unexpectedly (${describeExit(service.status)}); its log: ${service.logFile}`));
    driver.stop();
  }, WATCH_INTERVAL_MS);

  await driver.bounded;
  const elapsedMs = driver.elapsedMs;
  clearInterval(watcher);
  view.println(
    `stopping (${stoppedBy}): waiting for ${driver.inFlight} request${driver.inFlight === 1 ? '' : 's'} in flight (each ends by its ${formatSeconds(driver.timeoutMs)} deadline), ` +
      'then stopping the services… (Ctrl-C again to quit at once)',
  );
  // Cannot time out unless the client's deadline timers fail; then the services' stop ends those calls.
  await driver.drain(driver.timeoutMs + DRAIN_MARGIN_MS);
  // Read before they exit: /proc forgets a process once it is reaped.
  const cpuByService = services.services.map((service) => (service.pid ? cpuSecondsOf(service.pid) : undefined));
  const serviceCpu = sumDefined(cpuByService);
  await services.stop(SERVICE_STOP_MS);
  // Each service exported its last spans before exiting, and the receiver took each export in
  // full before answering it: every span is here, so every open trace can be handed over now.
  assembler.stop();
  assembler.flush();
  view.drawWaiting(Math.max(3, Math.ceil(options.treesPerSecond)));
  view.stop();
  for (const signal of signalNames) process.off(signal, onSignal);
  driver.close();
  await Promise.all([receiver.close(), loki.close(), query?.close(), forwarder?.shutdown(FORWARD_FLUSH_MS), closeStream(json)]);

  const result: UpResult = {
    topology: topology.name,
    durationS: elapsedMs / 1000,
    requests: {
      sent: driver.sent,
      ok: summary.ok,
      failed: summary.failed,
      unanswered: driver.sent - summary.answered,
      pastDeadline,
      timeoutS: driver.timeoutMs / 1000,
      targetRps: driver.targetRate,
      achievedRps: elapsedMs > 0 ? driver.sent / (elapsedMs / 1000) : 0,
      failuresByCode: Object.fromEntries(summary.failuresByCode),
    },
    latencyMs: { p50: summary.percentile(50), p90: summary.percentile(90), p99: summary.percentile(99), max: summary.percentile(100) },
    traces: {
      complete: assembler.tracesHandedOver - tally.withoutRoot - tally.otherTraces,
      withoutRoot: tally.withoutRoot,
      withOrphans: tally.withOrphans,
      drawn: view.drawn,
      failed: tally.failedTraces,
      other: tally.otherTraces,
    },
    spans: {
      received: tally.spans,
      rootSpans: tally.roots,
      late: assembler.lateSpans,
      okTraces: tally.okTraces,
      okTracesExpected: tally.okExpectedKnown ? tally.okExpected : null,
      okTracesReceived: tally.okReceived,
      okTracesWithMissingSpans: tally.okShort,
    },
    logLines,
    cpuSeconds: { parent: ownCpuSeconds(), services: serviceCpu ?? null },
    parentMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    services: services.services.map((service, index) => ({
      name: service.name,
      port: service.port,
      pid: service.pid ?? null,
      exit: describeExit(service.status),
      cpuSeconds: cpuByService[index] ?? null,
    })),
    stoppedBy,
    logDir: null,
  };
  // A temporary log folder is removed when every service stopped cleanly; otherwise it is evidence.
  const clean = services.services.every((service) => service.status?.code === 0);
  if (!options.logDir && clean) rmSync(logDir, { recursive: true, force: true });
  else result.logDir = logDir;
  for (const line of finalSummary(result, options)) say(line);
  if (options.summaryJsonFile) writeFileSync(options.summaryJsonFile, `${JSON.stringify(result, null, 2)}\n`);
  return crashedService ? 1 : 0;
}

/**
 * Serves what the embedded receivers got in Tempo's and Loki's query formats, so `thespian verify
 * --embedded` (or curl) can read traces back as from a real backend. A busy port costs only this.
 */
async function startQueryApi(options: UpOptions, traces: TraceStore, logs: LogStore, say: (line?: string) => void): Promise<QueryApiServer | undefined> {
  if (options.queryPort === null) return undefined;
  const { topology } = options;
  const port = options.queryPort ?? (options.freePorts ? 0 : defaultQueryPort(topology.basePort, topology.services.map((service) => service.port)));
  try {
    const server = await QueryApiServer.start({ traces, logs, port });
    say(`query: ${server.url} (Tempo /api/traces/<id>, Loki /loki/api/v1/query_range) for \`thespian verify --embedded\``);
    return server;
  } catch (error) {
    say(`query: no query API: port ${port} ${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'is in use' : `failed (${(error as Error).message})`}; choose another with --query-port`);
    return undefined;
  }
}

function trafficTargets(topology: Topology, totalRps: number | undefined): TrafficTarget[] {
  const configured = topology.entryPoints.reduce((sum, entry) => sum + entry.rps, 0);
  const scale = totalRps !== undefined && configured > 0 ? totalRps / configured : 1;
  return topology.entryPoints.map((entry) => {
    const service = topology.services.find((candidate) => candidate.name === entry.service)!;
    return { service: entry.service, method: entry.method, rps: entry.rps * scale, address: `127.0.0.1:${service.port}` };
  });
}

function sumDefined(values: (number | undefined)[]): number | undefined {
  if (values.some((value) => value === undefined)) return undefined;
  return values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
}

function openForWriting(path: string, option: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    throw new ConfigError(`${option} ${path}`, [`cannot write the file: ${(error as Error).message}`]);
  }
}

function makeFolder(path: string): string {
  try {
    mkdirSync(path, { recursive: true });
    return path;
  } catch (error) {
    throw new ConfigError(`--logs ${path}`, [`cannot make the folder: ${(error as Error).message}`]);
  }
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => stream.end(resolve));
}
