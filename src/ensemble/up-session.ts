import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSeconds } from '../common';
import { ConfigError, type LogLevel } from '../config';
import type { Topology } from '../topology';
import { localTargets, openTraffic, type LocalTarget, type Traffic } from '../traffic';
import { Ensemble, EnsembleStartError } from './ensemble';
import { withFreePorts } from './free-ports';
import { cpuSecondsOf } from './process-cpu';
import { PrometheusSdFile } from './prometheus-sd';
import { RunSummary } from './run-summary';
import { StopSequence } from './stop-sequence';
import { TerminalView } from './terminal-view';
import { TraceTally } from './trace-tally';
import { UpCollector } from './up-collector';
import { UpIncidents } from './up-incidents';
import { describeExit, finalSummary, formatRate, printHeader, upResult } from './up-report';

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
  readonly logLevel?: LogLevel;
  /** The final summary as JSON, for scripts and the benchmark. */
  readonly summaryJsonFile?: string;
  /** Port of the Tempo/Loki-style query API (`verify --embedded` reads it); default just below base_port (any free one with freePorts); null: none. */
  readonly queryPort?: number | null;
  /** Every service on a port the system picks instead of its topology port. */
  readonly freePorts?: boolean;
  /** `--prometheus-sd FILE`: each service also serves /metrics, and FILE lists them for Prometheus's file_sd. */
  readonly prometheusSdFile?: string;
  /** `--services-per-process` (1 for `--process-per-service`); default: by the topology's size (process-plan.ts). */
  readonly servicesPerProcess?: number;
  /** False (`--no-incidents`): the topology's incidents are not played; default true. */
  readonly playIncidents?: boolean;
  /** THESPIAN_ADMIN_TOKEN from the user's environment (checked), given to every service so that `thespian chaos` reaches them too. */
  readonly adminToken?: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly tty: boolean;
  readonly colour: boolean;
  readonly width: number;
}

/** Each request's deadline unless --timeout says otherwise. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * Bounds on the stop. Every request ends by its deadline, so waiting for those in flight takes
 * at most that long, and `drainMargin` more covers the client's own timer being late on a busy
 * machine; the services get `services` to drain and flush after SIGTERM before they are killed;
 * the --otlp forwarder gets `forwardFlush` to send on what it holds.
 */
const STOP_LIMITS_MS = { drainMargin: 2_000, services: 15_000, forwardFlush: 5_000 };
/** Exit status after a second signal, as a shell reports a process ended by SIGINT. */
const QUIT_NOW_EXIT_CODE = 130;
/** More requests in flight than this many seconds of traffic (and at least OVERLOAD_IN_FLIGHT) means the services are falling behind. */
const OVERLOAD_SECONDS = 3;
const OVERLOAD_IN_FLIGHT = 50;
/** How often a crashed service (or an overload) is looked for. */
const WATCH_INTERVAL_MS = 500;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The stages of stopping `up`, in the order they run (see UpSession). */
type StopStage = 'stop sending' | 'let requests in flight answer' | 'stop the services' | 'take their last spans' | 'close';
const STOP_ORDER: readonly StopStage[] = ['stop sending', 'let requests in flight answer', 'stop the services', 'take their last spans', 'close'];

/**
 * `thespian up`: the embedded collector, the services, the traffic and the live view, and the
 * orderly stop: stop sending → let requests in flight answer → SIGTERM the services (they drain
 * and flush) → wait for their last spans → final summary. Resolves to the exit code.
 */
export async function runUp(given: UpOptions): Promise<number> {
  const options = given.freePorts ? { ...given, topology: await withFreePorts(given.topology) } : given;
  return (await UpSession.open(options)).run();
}

/**
 * One run of `up`. Each piece registers its stop step in `stops` as it starts, so there is one
 * stop, in the order above, whether the run ends by its bounds, a signal or a crashed service,
 * or a service fails to start (then only what had started is stopped). A second signal skips
 * it all: quitNow().
 */
class UpSession {
  private readonly stops = new StopSequence<StopStage>(STOP_ORDER);
  private readonly answers = new RunSummary();
  private readonly tally: TraceTally;
  private readonly targets: LocalTarget[];
  private readonly traffic: Traffic;
  private readonly timeoutMs: number;
  private readonly incidents: UpIncidents;
  private collector!: UpCollector;
  private prometheusSd: PrometheusSdFile | undefined;
  private ensemble: Ensemble | undefined;
  private view: TerminalView | undefined;
  /** Why the services failed to start, if they did. */
  private startError: unknown;
  private stoppedBy = 'the end of the run';
  private serviceCrashed = false;
  private signalsSeen = 0;
  /** Read just before the services exit (per process, as ensemble.processes): /proc forgets a process once it is reaped. */
  private cpuByProcess: (number | undefined)[] = [];

  private constructor(
    private readonly options: UpOptions,
    private readonly logDir: string,
  ) {
    this.tally = new TraceTally(options.topology);
    this.incidents = new UpIncidents(options.topology, options.playIncidents !== false, options.adminToken);
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.targets = localTargets(options.topology, options.totalRps);
    this.traffic = openTraffic(
      {
        targets: this.targets,
        ...(options.durationMs === undefined ? {} : { durationS: options.durationMs / 1000 }),
        ...(options.maxRequests === undefined ? {} : { requests: options.maxRequests }),
        keepRequests: false,
        onOutcome: (outcome) => this.answers.record(outcome),
      },
      { timeoutMs: this.timeoutMs },
    );
    this.stops.add('stop sending', () => this.traffic.run.stop());
    // First of all in the last stage: from then on a signal ends the process as it would any other.
    this.stops.add('close', () => SIGNALS.forEach((signal) => process.off(signal, this.onSignal)));
    this.stops.add('close', () => this.traffic.close());
  }

  /** Checks the output paths (bad ones are bad input: exit 2 before anything starts), then starts the collector. */
  static async open(options: UpOptions): Promise<UpSession> {
    const json = options.jsonFile ? createWriteStream('', { fd: openForWriting(options.jsonFile, '--json') }) : undefined;
    if (options.summaryJsonFile) closeSync(openForWriting(options.summaryJsonFile, '--summary-json'));
    const prometheusSd = options.prometheusSdFile ? await PrometheusSdFile.open(options.prometheusSdFile, options.topology) : undefined;
    const logDir = options.logDir ? makeFolder(options.logDir) : mkdtempSync(join(tmpdir(), 'thespian-up-'));
    try {
      const session = new UpSession(options, logDir);
      session.prometheusSd = prometheusSd;
      return await UpSession.startCollector(session, json);
    } catch (error) {
      // Nothing ran yet, so a folder of our own holds no evidence.
      if (!options.logDir) rmSync(logDir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async startCollector(session: UpSession, json: WriteStream | undefined): Promise<UpSession> {
    const { options } = session;
    session.collector = await UpCollector.start({
      tally: session.tally,
      onTrace: (trace) => {
        if (session.tally.countTrace(trace)) session.view?.offer(trace);
      },
      json,
      otlpUrl: options.otlpUrl,
      say: (line) => (session.view ? session.view.println(line) : session.say(line)),
      services: options.topology.services.map((service) => service.name),
    });
    // Spans to send on came only from services that ran.
    session.stops.add('close', () => session.collector.close(session.ensemble ? STOP_LIMITS_MS.forwardFlush : 0));
    session.stops.add('close', () => session.removeLogsUnlessEvidence());
    printHeader(options, session.targets, session.timeoutMs, session.logDir, session.incidents.header(), session.say);
    const adminLine = session.incidents.adminLine();
    if (adminLine) session.say(adminLine);
    session.say(`collector: OTLP/gRPC ${session.collector.otlpEndpoint} (traces, metrics, logs), Loki push ${session.collector.lokiEndpoint}`);
    if (session.prometheusSd) {
      session.say(session.prometheusSd.describe());
      session.stops.add('close', () => session.prometheusSd!.empty());
    }
    await session.collector.serveQueries(options.topology, { port: options.queryPort, freePorts: options.freePorts }, session.say);
    return session;
  }

  async run(): Promise<number> {
    // Signals are ours from here on, so even a Ctrl-C during start-up stops everything in order.
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
    const ensemble = await this.startServices();
    if (!ensemble) return 1;
    const view = this.startView();
    this.watch(ensemble, view);
    this.stops.add('let requests in flight answer', () => this.letRequestsAnswer(view));
    // After a signal during start-up the run is stopped already, and this sends nothing.
    await this.traffic.start();
    this.startIncidents(view);
    await this.traffic.run.sendingDone;
    await this.stops.stop();
    return this.report(ensemble, view);
  }

  /**
   * The schedule's clock starts with the traffic's (offsets count from the first request), unless
   * the run was stopped during start-up. It stops with the sending, before the services stop.
   */
  private startIncidents(view: TerminalView): void {
    if (this.signalsSeen > 0 || this.serviceCrashed) return;
    this.incidents.start((line) => view.println(line));
    this.stops.add('stop sending', () => this.incidents.stop());
    this.stops.add('close', () => this.incidents.close());
  }

  private readonly say = (line = ''): void => {
    this.options.out.write(`${line}\n`);
  };

  /** The services, healthy; undefined when one could not start (said, and the rest stopped). */
  private async startServices(): Promise<Ensemble | undefined> {
    const { topology, logLevel, seed, servicesPerProcess } = this.options;
    try {
      const prometheusPorts = this.prometheusSd?.ports;
      const adminToken = this.incidents.token;
      this.ensemble = await Ensemble.start({ topology, otlpEndpoint: this.collector.otlpEndpoint, logDir: this.logDir, logLevel, seed, prometheusPorts, plan: { servicesPerProcess }, adminToken });
    } catch (error) {
      this.startError = error;
      await this.stops.stop();
      if (!(error instanceof EnsembleStartError)) throw error;
      this.options.err.write(`thespian up: ${error.message}\n`);
      return undefined;
    }
    const ensemble = this.ensemble;
    this.stops.add('stop the services', async () => {
      this.cpuByProcess = ensemble.processes.map((child) => (child.pid ? cpuSecondsOf(child.pid) : undefined));
      await ensemble.stop(STOP_LIMITS_MS.services);
    });
    this.prometheusSd?.writeTargets();
    this.say(`ready: ${readyLine(ensemble)}`);
    this.say('Ctrl-C stops everything.');
    this.say();
    return ensemble;
  }

  private startView(): TerminalView {
    const { options, traffic, tally } = this;
    const view = new TerminalView({
      out: options.out,
      tty: options.tty,
      colour: options.colour,
      width: options.width,
      treesPerSecond: options.treesPerSecond,
      quiet: options.quiet,
      serviceColours: new Map(options.topology.services.map((service, index) => [service.name, index])),
      status: () => this.answers.line({ elapsedMs: traffic.run.sendingMs, sent: traffic.run.sent, spans: tally.spans, inFlight: traffic.run.inFlight }),
      table: options.quiet ? undefined : () => this.collector.calls.liveLines(),
    });
    this.view = view;
    this.collector.assembler.start();
    this.stops.add('take their last spans', () => this.collector.handOverEveryTrace());
    view.start();
    this.stops.add('take their last spans', () => {
      view.drawWaiting(Math.max(3, Math.ceil(options.treesPerSecond)));
      view.stop();
    });
    return view;
  }

  /** Warns once when the services fall behind; stops the run when one of them crashes. */
  private watch(ensemble: Ensemble, view: TerminalView): void {
    const { run } = this.traffic;
    let warnedOverload = false;
    const watcher = setInterval(() => {
      if (!warnedOverload && run.inFlight > Math.max(OVERLOAD_IN_FLIGHT, run.targetRate * OVERLOAD_SECONDS)) {
        warnedOverload = true;
        view.println(
          `warning: ${run.inFlight} requests in flight: the services cannot keep up with ${formatRate(run.targetRate)}/s on this machine, ` +
            'so latency grows (the traffic does not wait for answers); try a lower --rps, or --log-level warn',
        );
      }
      const crashed = ensemble.crashed;
      if (crashed.length === 0) return;
      clearInterval(watcher);
      this.stoppedBy = `${crashed[0].label} exited unexpectedly`;
      this.serviceCrashed = true;
      view.println(...crashed.map((child) => `${child.label} exited unexpectedly (${describeExit(child.status)}); its log: ${child.logFile}`));
      run.stop();
    }, WATCH_INTERVAL_MS);
    this.stops.add('stop sending', () => clearInterval(watcher));
  }

  private async letRequestsAnswer(view: TerminalView): Promise<void> {
    const { run } = this.traffic;
    view.println(
      `stopping (${this.stoppedBy}): waiting for ${run.inFlight} request${run.inFlight === 1 ? '' : 's'} in flight (each ends by its ${formatSeconds(this.timeoutMs)} deadline), ` +
        'then stopping the services… (Ctrl-C again to quit at once)',
    );
    // Cannot time out unless the client's deadline timers fail; then the services' stop ends those calls.
    await run.drain(this.timeoutMs + STOP_LIMITS_MS.drainMargin);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.signalsSeen++;
    if (this.signalsSeen > 1) this.quitNow(signal);
    this.stoppedBy = signal;
    this.traffic.run.stop();
  };

  /**
   * A second signal: wait for nothing. The services get SIGKILL (here, or from the exit hook of an
   * ensemble still starting), and what they had not yet flushed is lost, which is said.
   */
  private quitNow(signal: NodeJS.Signals): never {
    const { options } = this;
    const inFlight = this.traffic.run.inFlight;
    this.ensemble?.killNow();
    this.view?.stop();
    // It was created empty at start, to refuse an unwritable path before anything ran; left so, a
    // script would read an empty file as a summary.
    if (options.summaryJsonFile) rmSync(options.summaryJsonFile, { force: true });
    options.err.write(
      `\nthespian up: ${signal} again: services killed, stopped at once with ${inFlight} request${inFlight === 1 ? '' : 's'} in flight; ` +
        `the final summary is not printed${options.summaryJsonFile ? ' nor written' : ''}${options.logDir ? '' : ` and the logs stay in ${this.logDir}`}\n`,
    );
    process.exit(QUIT_NOW_EXIT_CODE);
  }

  /**
   * A temporary log folder stays only as evidence: of a service that did not stop cleanly, or that
   * did not start (the reason is in its log). A refusal before any service ran (a port in use)
   * left nothing in it.
   */
  private logsKept(): boolean {
    if (this.options.logDir) return true;
    if (this.ensemble) return !this.ensemble.processes.every((child) => child.status?.code === 0);
    return this.startError instanceof EnsembleStartError;
  }

  private removeLogsUnlessEvidence(): void {
    if (!this.logsKept()) rmSync(this.logDir, { recursive: true, force: true });
  }

  private report(ensemble: Ensemble, view: TerminalView): number {
    const { run } = this.traffic;
    const result = upResult({
      topology: this.options.topology.name,
      sendingMs: run.sendingMs,
      sent: run.sent,
      targetRate: run.targetRate,
      achievedRate: run.achievedRate,
      timeoutMs: this.timeoutMs,
      answers: this.answers,
      tally: this.tally,
      assembled: this.collector.assembler,
      drawn: view.drawn,
      logLines: this.collector.logLines,
      calls: this.collector.calls,
      forwarded: this.options.otlpUrl ? { url: this.options.otlpUrl, counts: this.collector.forwarded()! } : undefined,
      processes: ensemble.processes,
      cpuByProcess: this.cpuByProcess,
      stoppedBy: this.stoppedBy,
      logDir: this.logsKept() ? this.logDir : null,
      incidents: this.incidents.counts(),
    });
    for (const line of finalSummary(result, this.options, this.collector.calls)) this.say(line);
    if (this.options.summaryJsonFile) writeFileSync(this.options.summaryJsonFile, `${JSON.stringify(result, null, 2)}\n`);
    return this.serviceCrashed ? 1 : 0;
  }
}

/** Each service's pid; for packed services, how many processes hold them. */
function readyLine(ensemble: Ensemble): string {
  const { processes } = ensemble;
  if (processes.every((child) => child.services.length === 1)) return ensemble.services.map((service) => `${service.name} pid ${service.process.pid}`).join(', ');
  const pids = processes.map((child) => `${child.services.length} in pid ${child.pid}`).join(', ');
  return `${ensemble.services.length} services in ${processes.length} processes (${pids}; --process-per-service for one each)`;
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
