/**
 * The values some settings may take, shared by the environment (instance-settings.ts) and the
 * command-line options that stand for the same settings (`serve`, `up`). A leaf with no imports,
 * so the CLI can use it without loading the config parser.
 */
/** LOG_LEVEL: the lowest level an instance writes. A step's lines have a LineLevel (common/line-level.ts). */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** THESPIAN_SEED and `up --seed`: a 32-bit unsigned seed. */
export const MAX_SEED = 2 ** 32 - 1;

/** PORT and `serve --port`; 0 asks the system for a free port. */
export const MAX_PORT = 65535;
