/**
 * config/ — the one way in for an instance's configuration: reads the environment and
 * CONFIG_JSON/CONFIG_FILE, validates them with zod (the behaviour against the engine's schema and
 * registered action kinds) and returns a frozen model, or a ConfigError listing every problem by
 * JSON path (exit 2). Also: the behaviour's JSON Schema for editors (`thespian schema`), the
 * bundled examples and the package's own folders (PACKAGE_ROOT, EXAMPLES_DIR, PROTO_DIR), the
 * warning on a Node older than the supported one (supported-node.ts), and the file reading and
 * problem wording that topology/ shares so a topology reads like a behaviour.
 */
export * from './config-error';
export * from './instance-settings';
export type { BatchSettings } from './batch-settings';
export type { LogLevel } from './setting-values';
export { parseBehaviour, validateBehaviour } from './parse-behaviour';
export { bundledExampleNames } from './behaviour-source';
export { EXAMPLES_DIR, PACKAGE_ROOT, PROTO_DIR } from './package-root';
export { NODE_WARNING_SILENCED, warnIfNodeUnsupported } from './supported-node';
export { behaviourJsonSchema } from './behaviour-json-schema';
// How topology/ reads its files, so that a topology and its embedded behaviours are read, and
// their problems said, the same way as a behaviour's.
export { readConfigFile } from './read-config-file';
export { readJsonText } from './read-json-text';
export { findPrototypeKeys } from './prototype-keys';
export { configFileType, wrongFileTypeProblem } from './config-file-type';
export { describeIssues } from './zod-issues';
export { objectKeysOf } from './object-keys';
