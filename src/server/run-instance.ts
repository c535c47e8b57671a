import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { InstanceSettings, LogsSettings, MetricsSettings } from '../config';
import { createPerformer, IncidentBoard, prepareSystemClock, seededRandom, systemRandom, THESPIAN_RPC_SERVICE } from '../engine';
import { addressForLogs, type Logger, type Tracing } from '../telemetry';
import { enterHandlersAs } from './enter-handlers-as';
import { installGracefulShutdown } from './graceful-shutdown';
import { GrpcCaller } from './grpc-caller';
import { routeGrpcJsLogs } from './grpc-js-logging';
import { InFlightCalls } from './in-flight-calls';
import { InstanceMetrics } from './instance-metrics';
import { loadAdminProtocol, loadProtocol, loadProtocolWithAdmin } from './protocol';
import { adminHandlers } from './admin-service';
import { addReflectionOnDemand } from './reflection-on-demand';
import { thespianHandlers } from './thespian-service';

interface RunningInstance {
  readonly port: number;
  /** Drains and stops like SIGTERM does, without exiting the process. */
  stop(): Promise<void>;
}

interface InstanceOptions {
  /**
   * Whether this instance has the process to itself (the default): then SIGTERM and SIGINT stop
   * it and exit, and grpc-js's diagnostics go to its log. A service packed with others leaves
   * both to the pack (src/pack/), which stops them all.
   */
  readonly ownsProcess: boolean;
}

/** Thrown when the instance cannot start (port taken, real-time timer refused); reported without a stack trace. */
export class StartError extends Error {}

/**
 * Serves A, B and C with the configured behaviour, plus gRPC health and reflection, on all
 * interfaces. Resolves once listening.
 */
export async function runInstance(settings: InstanceSettings, tracing: Tracing, logger: Logger, options: InstanceOptions = { ownsProcess: true }): Promise<RunningInstance> {
  if (options.ownsProcess) routeGrpcJsLogs(logger);
  const { definition, ThespianClient } = loadProtocol();
  const inFlight = new InFlightCalls();
  const metrics = new InstanceMetrics(tracing.meter, inFlight);
  const caller = new GrpcCaller(ThespianClient, metrics);
  const { clock, timer, notRealtimeBecause, onTimerThreadLost } = await prepareSystemClock(settings.timerPriority);
  if (settings.timerPriority === 'realtime' && timer !== 'real-time thread') {
    throw new StartError(`THESPIAN_TIMER_PRIORITY=realtime, but the thread that times sleeps cannot have real-time priority: ${notRealtimeBecause}`);
  }
  if (timer === 'main thread') logger.warn('the timer thread could not start: sleeps are timed on the main thread, and their spans will stretch when it is busy');
  onTimerThreadLost((why) => logger.warn(`the timer thread stopped (${why}): sleeps are timed on the main thread from now on, and their spans will stretch when it is busy`));
  // Only with the admin API on can there be incidents; without, the performer reads none.
  const board = settings.adminToken === undefined ? undefined : new IncidentBoard(settings.behaviour, settings.serviceName, () => clock.now());
  const perform = createPerformer({
    behaviour: settings.behaviour,
    serviceName: settings.serviceName,
    tracer: tracing.tracer,
    caller,
    random: settings.seed === undefined ? systemRandom : seededRandom(settings.seed),
    clock,
    log: logger,
    meter: metrics,
    incidents: board,
  });

  const server = new grpc.Server();
  server.addService(ThespianClient.service, thespianHandlers({ perform, maxHops: settings.maxHops, inFlight, metrics }));
  const health = new HealthImplementation({ '': 'SERVING', [THESPIAN_RPC_SERVICE]: 'SERVING' });
  health.addToServer(server);
  // Registered either way: off, it refuses every call as a wrong token is refused (see admin-service).
  server.addService(loadAdminProtocol(), adminHandlers(board && settings.adminToken !== undefined ? { board, serviceName: settings.serviceName, token: settings.adminToken, logger } : undefined));
  // Serves both grpc.reflection.v1 and v1alpha, so any grpcurl works without -proto; it shows the admin API only when it is on.
  addReflectionOnDemand(server, board ? loadProtocolWithAdmin() : definition);
  if (tracing.enterHandler) enterHandlersAs(server, tracing.enterHandler);

  const { port, address } = await bind(server, settings.port, settings.bindAddress);
  const stop = installGracefulShutdown({ server, health, inFlight, closeClients: () => caller.close(), tracing, logger, graceMs: settings.shutdownGraceMs }, options.ownsProcess);
  const methods = Object.entries(settings.behaviour.methods)
    .filter(([, fn]) => fn !== null)
    .map(([method]) => method);
  logger.info(`listening on port ${port}`, {
    port,
    bind_address: address,
    service_instance_id: tracing.serviceInstanceId,
    methods,
    traces: settings.tracesExporter === 'otlp' ? addressForLogs(settings.otlpEndpoint) : settings.tracesExporter,
    loki: settings.lokiAddress ? addressForLogs(settings.lokiAddress) : 'off',
    metrics: metricsDestination(settings.metrics),
    otlp_logs: logsDestination(settings.logs),
    sleep_timer: timer,
    admin_api: board ? 'on' : 'off',
    // Why `auto` settled for normal priority; docs/config-reference.md, "Timing under load", says how to grant it.
    ...(timer === 'thread' && notRealtimeBecause ? { sleep_timer_note: `normal priority, ${notRealtimeBecause}` } : {}),
  });
  return { port, stop };
}

/**
 * Listens on `address`, or by default on `::`, every interface of both families: Node opens it
 * dual-stack, so IPv4 clients (127.0.0.1, a Kubernetes probe on an IPv4 pod IP) reach it too, and
 * IPv6-only clusters work. On a machine without IPv6 the default falls back to 0.0.0.0.
 */
async function bind(server: grpc.Server, port: number, address: string | undefined): Promise<{ port: number; address: string }> {
  if (address !== undefined) return { port: await bindTo(server, address, port), address };
  try {
    return { port: await bindTo(server, '::', port), address: '::' };
  } catch (error) {
    if (!(error instanceof StartError) || !/EAFNOSUPPORT|EADDRNOTAVAIL/.test(error.message)) throw error;
    return { port: await bindTo(server, '0.0.0.0', port), address: '0.0.0.0' };
  }
}

function bindTo(server: grpc.Server, address: string, port: number): Promise<number> {
  const host = address.includes(':') ? `[${address}]` : address;
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(new StartError(`cannot listen on port ${port}${address === '::' ? '' : ` of ${address}`}: ${bindFailure(error)}`));
      else resolve(boundPort);
    });
  });
}

/** grpc-js says "No address added out of total 1 resolved errors: [listen EADDRINUSE: …]"; the reason is the bracketed part. */
function bindFailure(error: Error): string {
  const reason = /errors: \[(.+)\]$/s.exec(error.message)?.[1] ?? error.message;
  return /EADDRINUSE/.test(reason) ? `${reason} (another process has it; set PORT to a free one)` : reason;
}

/** Where metrics go, for the `listening` line: each exporter's destination, `none` when there is none. */
function metricsDestination(metrics: MetricsSettings): string {
  const destinations = metrics.exporters.map((exporter) =>
    exporter === 'otlp' ? addressForLogs(metrics.otlpEndpoint)
    : exporter === 'prometheus' ? `prometheus scrape on ${metrics.prometheusHost}:${metrics.prometheusPort}/metrics`
    : exporter,
  );
  return destinations.length === 0 ? 'none' : destinations.join(', ');
}

/** Where the OTLP log records go (OTEL_LOGS_EXPORTER), for the `listening` line. */
function logsDestination(logs: LogsSettings): string {
  if (logs.exporters.length === 0) return 'none';
  return logs.exporters.map((exporter) => (exporter === 'otlp' ? addressForLogs(logs.otlpEndpoint) : exporter)).join(', ');
}
