import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { InstanceSettings } from '../config';
import { createPerformer, prepareSystemClock, seededRandom, systemRandom } from '../engine';
import type { Logger, Tracing } from '../telemetry';
import { installGracefulShutdown } from './graceful-shutdown';
import { GrpcCaller } from './grpc-caller';
import { loadProtocol, THESPIAN_SERVICE_NAME } from './protocol';
import { thespianHandlers } from './thespian-service';

export interface RunningInstance {
  readonly port: number;
  /** Drains and stops like SIGTERM does, without exiting the process. */
  stop(): Promise<void>;
}

/** Thrown when the port cannot be bound; the CLI reports it without a stack trace. */
export class ListenError extends Error {}

/**
 * Serves A, B and C with the configured behaviour, plus gRPC health and reflection, on all
 * interfaces. Resolves once listening.
 */
export async function runInstance(settings: InstanceSettings, tracing: Tracing, logger: Logger): Promise<RunningInstance> {
  const { definition, ThespianClient } = loadProtocol();
  const caller = new GrpcCaller(ThespianClient);
  const { clock, offThread } = await prepareSystemClock();
  if (!offThread) logger.warn('the timer thread could not start: sleeps are timed on the main thread, and their spans will stretch when it is busy');
  const perform = createPerformer({
    behaviour: settings.behaviour,
    serviceName: settings.serviceName,
    tracer: trace.getTracer('thespian'),
    caller,
    random: settings.seed === undefined ? systemRandom : seededRandom(settings.seed),
    clock,
    log: logger,
  });

  const server = new grpc.Server();
  server.addService(ThespianClient.service, thespianHandlers({ perform, maxHops: settings.maxHops }));
  const health = new HealthImplementation({ '': 'SERVING', [THESPIAN_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  // Serves both grpc.reflection.v1 and v1alpha, so any grpcurl works without -proto.
  new ReflectionService(definition).addToServer(server);

  const port = await bind(server, settings.port);
  const stop = installGracefulShutdown({ server, health, closeClients: () => caller.close(), tracing, logger, graceMs: settings.shutdownGraceMs });
  const methods = Object.entries(settings.behaviour.methods)
    .filter(([, fn]) => fn !== null)
    .map(([method]) => method);
  logger.info(`listening on port ${port}`, {
    port,
    methods,
    traces: settings.tracesExporter === 'otlp' ? settings.otlpEndpoint : settings.tracesExporter,
    loki: settings.lokiAddress ?? 'off',
  });
  return { port, stop };
}

function bind(server: grpc.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(new ListenError(`cannot listen on port ${port}: ${error.message}`));
      else resolve(boundPort);
    });
  });
}
