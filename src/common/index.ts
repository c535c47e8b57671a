/**
 * common/ — the small helpers several layers share, so that none of them has to reach up into
 * another for them: gRPC status names (status-name.ts), the well-formed config string schema
 * and its limits (config-string.ts), the externally tagged unions of the original's configs
 * (tagged-union.ts), "did you mean" hints (closest-name.ts), how a bad value, a JSON path and a
 * user's string are shown in an error line (describe-value.ts, json-path.ts), deepFreeze, how a
 * duration is printed (format-ms.ts) and how an endpoint is named (endpoint-name.ts). It
 * imports nothing of ours: everything may import it.
 */
export * from './status-name';
export * from './config-string';
export * from './tagged-union';
export * from './closest-name';
export * from './describe-value';
export * from './json-path';
export * from './deep-freeze';
export * from './format-ms';
export * from './percent';
export * from './line-level';
export * from './span-kind-name';
export * from './endpoint-name';
