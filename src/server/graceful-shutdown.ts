import type * as grpc from '@grpc/grpc-js';
import type { HealthImplementation } from 'grpc-health-check';
import type { Logger, Tracing } from '../telemetry';
import { THESPIAN_SERVICE_NAME } from './protocol';

export interface ShutdownParts {
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  readonly closeClients: () => void;
  readonly tracing: Tracing;
  readonly logger: Logger;
  readonly graceMs: number;
}

/** Upper bounds for flushing, so a dead Tempo or Loki cannot hold the process forever. */
const SPAN_FLUSH_DEADLINE_MS = 5_000;
const LOG_FLUSH_DEADLINE_MS = 3_000;

/**
 * Stops in a fixed order, so nothing that completed is lost:
 * report NOT_SERVING → stop taking calls and let those in flight finish (up to graceMs) →
 * close clients → flush spans → flush logs → exit 0. A second signal exits at once.
 */
export function installGracefulShutdown(parts: ShutdownParts): () => Promise<void> {
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      parts.logger.info('shutting down', { reason, grace_ms: parts.graceMs });
      parts.health.setStatus('', 'NOT_SERVING');
      parts.health.setStatus(THESPIAN_SERVICE_NAME, 'NOT_SERVING');
      await drain(parts.server, parts.graceMs, parts.logger);
      parts.closeClients();
      await parts.tracing.shutdown(SPAN_FLUSH_DEADLINE_MS);
      await parts.logger.stop(LOG_FLUSH_DEADLINE_MS, parts.tracing.deliveryFields()); // logs 'stopped' with what was delivered and lost
    })();
    return stopping;
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        parts.logger.warn(`second ${signal}: exiting without waiting`);
        process.exit(1);
      }
      void shutdown(signal).then(() => process.exit(0));
    });
  }
  return () => shutdown('requested');
}

function drain(server: grpc.Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn('calls still in flight after the grace period; cancelling them', { grace_ms: graceMs });
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
