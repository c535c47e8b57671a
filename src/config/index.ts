/**
 * config/ — the one way in for configuration: reads the environment and CONFIG_JSON/CONFIG_FILE,
 * validates them with zod and returns a frozen model. Errors are ConfigErrors listing every
 * problem by JSON path; the CLI prints them and exits 2.
 */
export * from './config-error';
export * from './instance-settings';
export * from './setting-values';
export { parseBehaviour, validateBehaviour } from './parse-behaviour';
export { bundledExampleNames } from './behaviour-source';
export { behaviourSchema } from './behaviour-schema';
