import type { InstanceSettings } from '../config';
import { createLogger, type Logger } from './logger';
import type { Tracing } from './start-tracing';

/**
 * The logger of an instance whose tracing has started (a process of one, or one service of a
 * pack): tracing learns from it where to say that an export fails, its metrics count its lines,
 * and the settings' warnings are its first lines.
 */
export function startLogging(settings: InstanceSettings, tracing: Tracing): Logger {
  const logger = createLogger(settings);
  // Tracing starts first (before grpc-js loads), so it learns only now where to say that export fails.
  tracing.connectLog(logger);
  tracing.observeLogDelivery(() => logger.logTallies());
  for (const warning of settings.otelWarnings) logger.warn(warning);
  return logger;
}

/**
 * An instance that could not start says why, and sends that on: the reason goes to Loki and OTLP
 * too, where a user of a cluster looks first. Each backend gets at most a second.
 */
export async function reportFailedStart(tracing: Tracing, logger: Logger, reason: string): Promise<void> {
  logger.error(reason);
  await Promise.all([tracing.shutdown(1000), logger.flush(1000), tracing.stopMetrics(1000)]);
}
