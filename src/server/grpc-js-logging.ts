import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../telemetry';

/**
 * grpc-js writes its own diagnostics to stderr ("E No address added out of total 1 resolved"
 * before our "cannot listen on port …"; "Failed to add metadata entry …" for a peer's bad
 * header). Those are details of errors we report ourselves in one clear line, so they go to our
 * log as debug lines instead: one format, on stdout, shown with LOG_LEVEL=debug. GRPC_VERBOSITY
 * and GRPC_TRACE still decide what grpc-js says.
 */
export function routeGrpcJsLogs(logger: Logger): void {
  const write = (severity: string) => (message: unknown, ...rest: unknown[]) =>
    logger.debug(`grpc-js: ${[message, ...rest].map(String).join(' ')}`, { grpc_severity: severity });
  grpc.setLogger({ error: write('error'), info: write('info'), debug: write('debug') });
}
