import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../telemetry';

/**
 * grpc-js errors that restate one we report ourselves in one clear line: the bind failure before
 * our "cannot listen on port …", and a peer's bad header. These stay at debug.
 */
const REPORTED_OURSELVES = [/^No address added out of total \d+ resolved/, /^Failed to add metadata entry /];

/**
 * grpc-js writes its own diagnostics to stderr; they go to our log instead, in one format on
 * stdout. Its errors are warnings there (a bad grpc_proxy, a secure context that cannot be made,
 * a server that rejects our pings), except the few we report in our own words, which are debug
 * lines like its info and debug output. GRPC_VERBOSITY and GRPC_TRACE still decide what grpc-js
 * says (by default only errors); LOG_LEVEL decides which of that is written.
 * grpc.setLogger is process-wide: this is the one place that sets it.
 */
export function routeGrpcJsLogs(logger: Logger): void {
  const text = (args: unknown[]) => `grpc-js: ${withoutAuthorization(args.map(String).join(' '))}`;
  const atDebug = (severity: string) => (...args: unknown[]) => logger.debug(text(args), { grpc_severity: severity });
  grpc.setLogger({
    error: (...args: unknown[]) => {
      const line = args.map(String).join(' ');
      if (REPORTED_OURSELVES.some((known) => known.test(line))) logger.debug(text(args), { grpc_severity: 'error' });
      else logger.warn(text(args), { grpc_severity: 'error' });
    },
    info: atDebug('info'),
    debug: atDebug('debug'),
  });
}

/**
 * grpc-js's server_call tracer (GRPC_TRACE) writes each request's headers as JSON, the admin API's
 * bearer token among them: its value is blanked, so that no setting can put the token in a log.
 */
function withoutAuthorization(line: string): string {
  return line.replace(/("authorization"\s*:\s*)(\[[^\]]*\]|"(?:[^"\\]|\\.)*")/gi, '$1["(redacted)"]');
}
