/**
 * Several Thespian instances in one process: what `thespian up` starts for a large topology
 * (THESPIAN_PACK_FILE names the file of their variables). Each service is a whole instance: its
 * own port, gRPC server, behaviour, TracerProvider (its own resource and span export), logger and
 * metrics, and it calls the others over real gRPC on loopback, as separate processes would.
 *
 * What is the process's: the gRPC instrumentation, the sleep timer thread, stdout (each line
 * carries its service_name), grpc-js's diagnostics (in the first service's log) and the signals:
 * SIGTERM or SIGINT stops every service as its own SIGTERM would (drain, flush), side by side,
 * then the process exits 0; a second signal exits at once. If the process dies, all its services
 * die with it: `thespian up` notices, names them, and stops the run.
 */
import { randomUUID } from 'node:crypto';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, readInstanceSettings, type InstanceSettings } from '../config';
import { reportFailedStart, startLogging, startTracingPack, type Logger, type Tracing } from '../telemetry';
import { readPackFile } from './pack-file';

interface PackedService {
  readonly settings: InstanceSettings;
  readonly tracing: Tracing;
  readonly logger: Logger;
}

/** Resolves with an exit code if the pack could not start; otherwise runs until a signal stops it. */
export async function servePack(packFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  const { settings: all, problems } = readServices(packFile, env);
  if (!all) return refuse(problems);

  const pack = startTracingPack(all[0]);
  const services: PackedService[] = all.map((serviceSettings) => {
    const tracing = pack.startService(serviceSettings);
    return { settings: serviceSettings, tracing, logger: startLogging(serviceSettings, tracing) };
  });
  const first = services[0].logger;
  process.on('unhandledRejection', (reason) => first.error('unhandled rejection (bug) in a process of packed services', { reason: String(reason) }));

  // Required here, after the instrumentation has started: see src/main.ts.
  const server = require('../server') as typeof import('../server');
  server.routeGrpcJsLogs(first);
  const started = await Promise.allSettled(services.map((service) => server.runInstance(service.settings, service.tracing, service.logger, { ownsProcess: false })));
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (running.length < services.length) {
    const failures = started.flatMap((result, index) => (result.status === 'rejected' ? [{ service: services[index], reason: result.reason as unknown }] : []));
    // The ones that started stop as on SIGTERM (drain, then flush); the others only flush what they said.
    await Promise.all([...failures.map(({ service, reason }) => reportStartFailure(service, reason, server.StartError)), ...running.map((instance) => instance.stop())]);
    // Last, on stderr: the reasons, after the other services' stop lines, where `up` shows a log's last lines.
    for (const { service, reason } of failures) process.stderr.write(`service ${service.settings.serviceName} did not start: ${(reason as Error).message}\n`);
    return 1;
  }
  let stoppingAll: Promise<unknown> | undefined;
  const stopAll = () => (stoppingAll ??= Promise.all(running.map((instance) => instance.stop())));
  server.exitOnStopSignals(stopAll, first, () => stoppingAll !== undefined);
  return new Promise<number>(() => {
    // Runs until SIGTERM/SIGINT; exitOnStopSignals exits the process.
  });
}

/** Each service's settings, from the process's environment with its own variables over it; or every problem, by service. */
function readServices(packFile: string, env: NodeJS.ProcessEnv): { settings?: InstanceSettings[]; problems: string[] } {
  const { pack, problems } = readPackFile(packFile);
  if (!pack) return { problems };
  const shared: NodeJS.ProcessEnv = { ...env };
  delete shared.THESPIAN_PACK_FILE;
  const settings: InstanceSettings[] = [];
  const found: string[] = [];
  pack.services.forEach((variables, index) => {
    try {
      settings.push({ ...readInstanceSettings({ ...shared, ...variables }), serviceInstanceId: randomUUID() });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      found.push(...error.problems.map((problem) => `service ${variables.SERVICE_NAME} ($.services[${index}]): ${problem}`));
    }
  });
  return found.length > 0 ? { problems: found } : { settings, problems: [] };
}

function refuse(problems: string[]): number {
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  return CONFIG_ERROR_EXIT_CODE;
}

/** Logs why a service could not start, and sends that on to its backends; a reason that is not a StartError is a bug, thrown. */
async function reportStartFailure(service: PackedService, reason: unknown, StartError: new (...args: never[]) => Error): Promise<void> {
  if (!(reason instanceof StartError)) throw reason;
  await reportFailedStart(service.tracing, service.logger, reason.message);
}
