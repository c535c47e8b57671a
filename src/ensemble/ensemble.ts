import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type LogLevel } from '../config';
import { localLocator, resolveBehaviour, type Topology } from '../topology';
import { waitUntilServing } from './health-check';
import { portProblem } from './port-check';
import { withPrometheusScrape } from './prometheus-sd';
import { planProcesses, type ProcessPlanOptions } from './process-plan';
import { ServiceProcess, type ProcessService } from './service-process';

interface EnsembleOptions {
  readonly topology: Topology;
  /** OTLP/gRPC endpoint the services export all three signals to. */
  readonly otlpEndpoint: string;
  /** Where each service's stdout/stderr goes, as <service>.log. */
  readonly logDir: string;
  /** The services' LOG_LEVEL; below info the log volume (and its CPU) drops a lot at high rates. */
  readonly logLevel?: LogLevel;
  /** THESPIAN_SEED of every service: the same rolls and latency draws on every run. */
  readonly seed?: number;
  /** How long all services together may take to become healthy. */
  readonly startTimeoutMs?: number;
  /** `up --prometheus-sd`: each service's Prometheus scrape port, by name, besides its other metrics export. */
  readonly prometheusPorts?: ReadonlyMap<string, number>;
  /** How many services share a process (`up --services-per-process`, `--process-per-service`); default by size. */
  readonly plan?: ProcessPlanOptions;
  /** THESPIAN_ADMIN_TOKEN of every service (the admin API on), for a schedule of incidents or `thespian chaos`; none leaves it off. */
  readonly adminToken?: string;
}

/** A service could not start; the message says which and why, in lines for the terminal. */
export class EnsembleStartError extends Error {}

/**
 * Child environment tuning for a live view: export spans every 200 ms (the default 5 s would make
 * traces arrive in lumps), queue far more than the default 2048 spans, which a busy service
 * fills within a second at 100 requests/s and then drops silently, and wait longer for exports.
 */
const SPAN_EXPORT_ENV = {
  OTEL_BSP_SCHEDULE_DELAY: '200',
  // A service that cannot keep up lags seconds behind; the default 10 s export timeout would then
  // drop whole batches that the receiver here would gladly take.
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '30000',
  OTEL_BSP_MAX_QUEUE_SIZE: '32768',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
};

/**
 * The same for the log records, which now travel over OTLP only. At 100 requests/s the bundled
 * example writes about 1,900 lines/s: the SDK's 2048-record queue with a 1 s delay holds about a
 * second of them, so one slow export (a busy collector, a GC pause) drops lines. 32768 holds about
 * 17 s of them (tens of MB at most). Exports every 200 ms keep the live view's logs current and
 * each batch near 400 lines; batches of up to 2048 (a second of lines) let a service that fell
 * behind catch up in few exports, and such an export gets 30 s, as its spans do.
 */
const LOG_EXPORT_ENV = {
  OTEL_BLRP_SCHEDULE_DELAY: '200',
  OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '30000',
  OTEL_BLRP_MAX_QUEUE_SIZE: '32768',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2048',
};

/**
 * Metrics to the embedded collector, every second: the live call table is redrawn four times a
 * second, and a figure that moves once a second is as fresh as anyone reads it; an export is a
 * few dozen cumulative points (methods × status codes), so a second costs the service next to
 * nothing, where the SDK's default minute would leave the table empty for a minute. Cumulative
 * points make a lost export cost freshness, not counts, and the last export at SIGTERM carries them all.
 */
const METRIC_EXPORT_INTERVAL_MS = '1000';

/**
 * The services' telemetry, all three signals over OTLP to the embedded collector. Logs go by OTLP
 * too, not LOKI_ADDRESS, so that `--otlp` can pass them on as they came; the collector stores
 * them where its Loki-style query API (and so `verify --embedded`) finds them, as it does pushed
 * Loki lines.
 */
function telemetryEnv(options: EnsembleOptions): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: options.otlpEndpoint,
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: options.otlpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: METRIC_EXPORT_INTERVAL_MS,
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: options.otlpEndpoint,
    ...SPAN_EXPORT_ENV,
    ...LOG_EXPORT_ENV,
  };
}

/**
 * A topology running as local processes: one real instance per service, on the service's
 * topology port, with every `service` reference resolved to 127.0.0.1 and that port. One instance
 * per service even if the topology asks for replicas: locally a second copy could not share the
 * port, and callers here have no load balancer to spread over copies. Each instance has a process
 * of its own, or, in a large topology, shares one with others (process-plan.ts, src/pack/).
 *
 * Once started, no service outlives this process: they are stopped in order by stop(), killed
 * by an exit hook if this process exits otherwise, and exit on their own (child-watchdog.ts) if
 * this process is killed outright.
 */
export class Ensemble {
  private readonly killOnExit = (): void => this.killNow();
  private stopping: Promise<void> | undefined;

  private constructor(readonly processes: readonly ServiceProcess[]) {
    process.on('exit', this.killOnExit);
  }

  static async start(options: EnsembleOptions): Promise<Ensemble> {
    const { topology } = options;
    const busy: string[] = [];
    for (const service of topology.services) {
      const problem = await portProblem(service.port);
      if (problem) busy.push(`port ${service.port} of service ${service.name} ${problem}`);
    }
    if (busy.length > 0) {
      throw new ConfigError(topology.sourcePath, [
        ...busy,
        'is another `thespian up` still running? Stop it, or move this topology with "base_port" (or a service\'s "port")',
      ]);
    }

    const groups = planProcesses(topology.services, options.plan);
    const processes = groups.map((group, index) =>
      group.length === 1
        ? new ServiceProcess({ services: group, logFile: join(options.logDir, `${group[0].name}.log`), env: { ...serviceEnv(options, group[0]), ...adminEnv(options) } })
        : packProcess(options, group, index + 1),
    );
    const ensemble = new Ensemble(processes);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const failures = await Promise.all(
      processes.flatMap((child) =>
        child.services.map((service) =>
          waitUntilServing(`127.0.0.1:${service.port}`, timeoutMs, () => (child.running ? undefined : 'exited')).then(
            () => undefined,
            (error: Error) => describeStartFailure(child, service, error.message),
          ),
        ),
      ),
    );
    // A pack that died says so once, not once per service.
    const failed = [...new Set(failures.filter((failure): failure is string => failure !== undefined))];
    if (failed.length > 0) {
      await ensemble.stop(2_000);
      throw new EnsembleStartError(failed.join('\n'));
    }
    return ensemble;
  }

  /** Every service, in topology order, with the process that runs it. */
  get services(): { readonly name: string; readonly port: number; readonly process: ServiceProcess }[] {
    return this.processes.flatMap((process) => process.services.map((service) => ({ ...service, process })));
  }

  /** Processes that have exited although stop() was not called: a crash worth reporting. */
  get crashed(): ServiceProcess[] {
    return this.stopping ? [] : this.processes.filter((child) => !child.running);
  }

  /**
   * SIGTERM to every service (each drains its calls and flushes its spans and logs), then SIGKILL
   * to any still running after `graceMs`.
   */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      // SIGCONT too, as init systems do: a stopped service (SIGSTOP, Ctrl-Z) cannot act on SIGTERM.
      for (const child of this.processes) {
        child.signal('SIGTERM');
        child.signal('SIGCONT');
      }
      const all = Promise.all(this.processes.map((child) => child.exited));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      if ((await Promise.race([all, late])) === 'late') {
        for (const child of this.processes) child.signal('SIGKILL');
        await all;
      }
      clearTimeout(timer);
      process.off('exit', this.killOnExit);
    })();
    return this.stopping;
  }

  /** SIGKILL to every service still running; synchronous, for exit hooks. */
  killNow(): void {
    for (const child of this.processes) child.signal('SIGKILL');
  }
}

/** One service's own variables, over the telemetry every service shares. */
function serviceEnv(options: EnsembleOptions, service: ProcessService): Record<string, string> {
  return withPrometheusScrape(
    {
      PORT: String(service.port),
      SERVICE_NAME: service.name,
      CONFIG_JSON: JSON.stringify(resolveBehaviour(options.topology, service.name, localLocator)),
      THESPIAN_SHUTDOWN_GRACE_MS: '10000',
      LOG_LEVEL: options.logLevel ?? 'info',
      ...(options.seed === undefined ? {} : { THESPIAN_SEED: String(options.seed) }),
      ...telemetryEnv(options),
    },
    options.prometheusPorts?.get(service.name),
  );
}

/** The admin token goes in a process's environment only, never in a pack file, which stays on disk in the log folder. */
function adminEnv(options: EnsembleOptions): Record<string, string> {
  return options.adminToken === undefined ? {} : { THESPIAN_ADMIN_TOKEN: options.adminToken };
}

/**
 * Several services in one process: their variables go to a file (an environment variable holds
 * at most 128 KiB on Linux, less than 25 behaviours can need), the telemetry's and the admin
 * token in the environment (every packed service reads it from there).
 */
function packProcess(options: EnsembleOptions, group: readonly ProcessService[], number: number): ServiceProcess {
  const packFile = join(options.logDir, `pack-${number}.json`);
  writeFileSync(packFile, `${JSON.stringify({ services: group.map((service) => serviceEnv(options, service)) })}\n`);
  return new ServiceProcess({
    services: group,
    logFile: join(options.logDir, `pack-${number}.log`),
    env: { ...telemetryEnv(options), ...adminEnv(options), THESPIAN_PACK_FILE: packFile },
  });
}

function describeStartFailure(child: ServiceProcess, service: ProcessService, reason: string): string {
  const status = child.status;
  const how = status ? (status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`) : reason;
  const tail = child.tail(3).map((line) => `    ${line}`);
  const who = status && child.services.length > 1 ? child.label : `service ${service.name} (port ${service.port})`;
  return [`${who} did not start: ${how}; its log is ${child.logFile}`, ...tail].join('\n');
}
