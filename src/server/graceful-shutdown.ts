import type * as grpc from '@grpc/grpc-js';
import type { HealthImplementation } from 'grpc-health-check';
import { THESPIAN_RPC_SERVICE } from '../engine';
import { withDeadline, type Logger, type Tracing } from '../telemetry';
import type { InFlightCalls } from './in-flight-calls';

interface ShutdownParts {
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  readonly inFlight: InFlightCalls;
  readonly closeClients: () => void;
  readonly tracing: Tracing;
  readonly logger: Logger;
  readonly graceMs: number;
}

/** Upper bounds for flushing, so a dead Tempo or Loki cannot hold the process forever. */
const SPAN_FLUSH_DEADLINE_MS = 5_000;
const LOG_FLUSH_DEADLINE_MS = 3_000;
const METRIC_FLUSH_DEADLINE_MS = 3_000;
/** How long calls cut at the end of the grace get to answer and end their spans. */
const CUT_DEADLINE_MS = 1_000;
/** How long the answers already given get to leave before the connections are closed. */
const CLOSE_DEADLINE_MS = 1_000;

/** What a call still in flight at the end of the grace fails with (UNAVAILABLE), on its spans and in its answer. */
function cutMessage(graceMs: number): string {
  return `the instance is shutting down: the call was cut at the end of the ${graceMs} ms grace (THESPIAN_SHUTDOWN_GRACE_MS)`;
}

/**
 * Stops in a fixed order, so nothing that completed is lost:
 * report NOT_SERVING → drain: the listener stays open, health answers NOT_SERVING, new calls are
 * refused with UNAVAILABLE, calls in flight may finish (up to graceMs) → cut the calls left, which
 * answer UNAVAILABLE and end their spans → close the listener and clients → flush spans → flush
 * logs → flush metrics → exit 0. A second signal exits at once. With `onSignals` false (a
 * service packed with others), signals are left to the pack, which calls the returned stop.
 */
export function installGracefulShutdown(parts: ShutdownParts, onSignals: boolean): () => Promise<void> {
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      parts.logger.info('shutting down', { reason, grace_ms: parts.graceMs, calls_in_flight: parts.inFlight.size });
      parts.health.setStatus('', 'NOT_SERVING');
      parts.health.setStatus(THESPIAN_RPC_SERVICE, 'NOT_SERVING');
      // True once no call is in flight, false when the grace ended first.
      if (!(await withDeadline(parts.inFlight.close().then(() => true), parts.graceMs, false))) {
        const left = parts.inFlight.size;
        parts.logger.warn('calls still in flight at the end of the grace; cutting them', { grace_ms: parts.graceMs, calls_cut: left });
        await parts.inFlight.cut(cutMessage(parts.graceMs), CUT_DEADLINE_MS);
      }
      await closeListener(parts.server, CLOSE_DEADLINE_MS);
      parts.closeClients();
      await parts.tracing.shutdown(SPAN_FLUSH_DEADLINE_MS);
      await parts.logger.stop(LOG_FLUSH_DEADLINE_MS, parts.tracing.deliveryFields()); // logs 'stopped' with what was delivered and lost
      // Last, so the final export holds every count, the last Loki push's too.
      await parts.tracing.stopMetrics(METRIC_FLUSH_DEADLINE_MS);
    })();
    return stopping;
  };

  if (onSignals) exitOnStopSignals(shutdown, parts.logger, () => stopping !== undefined);
  return () => shutdown('requested');
}

/**
 * SIGTERM or SIGINT runs `stop` and exits 0 once it is done; a signal that comes while stopping
 * (`stopping()`) exits 1 at once, for a user who will not wait. For a process of one instance, and
 * for a pack of them (src/pack/), which stops them all.
 */
export function exitOnStopSignals(stop: (signal: string) => Promise<unknown>, logger: Logger, stopping: () => boolean): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping()) {
        logger.warn(`second ${signal}: exiting without waiting`);
        process.exit(1);
      }
      void stop(signal).then(() => process.exit(0));
    });
  }
}

/**
 * Closes the listener and the connections once the answers given have been sent: an answer is
 * handed to grpc-js before it is written, and a forced close would turn it into a reset.
 */
function closeListener(server: grpc.Server, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, deadlineMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
