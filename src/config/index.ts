/**
 * config/ — the one way in for configuration: reads the environment and CONFIG_JSON/CONFIG_FILE,
 * validates them with zod and returns a frozen model. Errors are ConfigErrors listing every
 * problem by JSON path; the CLI prints them and exits 2. The project's own folders
 * (EXAMPLES_DIR, PROTO_DIR) are found here too.
 */
export * from './config-error';
export * from './instance-settings';
export * from './setting-values';
export { parseBehaviour, validateBehaviour } from './parse-behaviour';
export { bundledExampleNames } from './behaviour-source';
export { EXAMPLES_DIR, PACKAGE_ROOT, PROTO_DIR } from './package-root';
export { behaviourJsonSchema } from './behaviour-json-schema';
// How topology/ reads its files, so that a topology and its embedded behaviours are read, and
// their problems said, the same way as a behaviour's.
export { readConfigFile } from './read-config-file';
export { readJsonText } from './read-json-text';
export { findPrototypeKeys } from './prototype-keys';
export { configFileType, wrongFileTypeProblem } from './config-file-type';
export { describeIssues } from './zod-issues';
export { objectKeysOf } from './object-keys';
