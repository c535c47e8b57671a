/**
 * common/ — the small helpers several layers share, so that none has to reach up into another
 * for them: gRPC status names, span kind names and log line levels; the well-formed config string
 * schema and its limits, and the externally tagged unions of the original's configs; "did you
 * mean" hints and how a bad value, a JSON path or a user's string is shown in an error line;
 * deepFreeze; how many whole requests a rate's integral holds (wholeRequests); how a duration is read (durationSeconds) and printed (formatMs) and a percentage (formatPercent) are printed; and how an
 * endpoint is named (endpointName); and JSON written as people write it by hand (compactJson), for
 * the topology files that commands write. It imports nothing of ours (zod is its one dependency):
 * every folder may import it.
 */
export * from './status-name';
export * from './config-string';
export * from './tagged-union';
export * from './closest-name';
export * from './describe-value';
export * from './json-path';
export * from './deep-freeze';
export * from './format-ms';
export * from './duration-text';
export * from './percent';
export * from './whole-requests';
export * from './line-level';
export * from './span-kind-name';
export * from './endpoint-name';
export * from './compact-json';
export * from './grpc-reason';
