/**
 * Starts one Thespian instance from the environment: `node dist/main.js`, same as `thespian serve`.
 *
 * Order matters: configuration first (bad input exits 2 before anything starts), then telemetry,
 * and only then the server, whose first require of @grpc/grpc-js the instrumentation must see.
 */
import { CONFIG_ERROR_EXIT_CODE, ConfigError, readInstanceSettings, warnIfNodeUnsupported, type InstanceSettings } from './config';
import { reportFailedStart, startLogging, startTracing } from './telemetry';

/** Resolves with an exit code if the instance could not start; otherwise runs until a signal stops it. */
export async function serveFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Several services in this one process (`thespian up` on a large topology): see src/pack/.
  if (env.THESPIAN_PACK_FILE) return (require('./pack') as typeof import('./pack')).servePack(env.THESPIAN_PACK_FILE, env);
  let settings: InstanceSettings;
  try {
    settings = readInstanceSettings(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${problem}\n`);
    return CONFIG_ERROR_EXIT_CODE;
  }

  const tracing = startTracing(settings);
  const logger = startLogging(settings, tracing);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (bug)', { reason: String(reason) }));

  // Required here, not imported above: see the comment at the top of this file.
  const server = require('./server') as typeof import('./server');
  try {
    await server.runInstance(settings, tracing, logger);
  } catch (error) {
    if (!(error instanceof server.StartError)) throw error;
    await reportFailedStart(tracing, logger, error.message);
    return 1;
  }
  return new Promise<number>(() => {
    // Runs until SIGTERM/SIGINT; graceful shutdown exits the process.
  });
}

if (require.main === module) {
  // Here, not in serveFromEnvironment: `thespian serve` runs that too, and the CLI has already warned.
  warnIfNodeUnsupported();
  serveFromEnvironment().then((code) => process.exit(code));
}
