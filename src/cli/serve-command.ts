// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { LOG_LEVELS, MAX_PORT, type LogLevel } from '../config/setting-values';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { mustBe, oneOf, Refusal, wholeNumber } from './option-readers';
import { UsageError } from './usage-error';

const SERVE_FLAGS = {
  config: { value: 'F', help: 'the same, as an option' },
  port: { value: 'N', help: 'port to listen on, 0 for any free one; instead of PORT (default 6379)', read: mustBe(`a whole number from 0 to ${MAX_PORT}`, wholeNumber(0, MAX_PORT)) },
  'service-name': {
    value: 'NAME',
    help: 'service.name of spans and logs; instead of SERVICE_NAME (else OTEL_SERVICE_NAME, the config\'s service_name, "thespian")',
    read: (text) => (text.trim() === '' ? new Refusal('cannot be empty') : text),
  },
  'log-level': { value: 'LEVEL', help: 'error, warn, info (default) or debug; instead of LOG_LEVEL', read: logLevel },
} satisfies FlagTable;

export const serveCommand = defineCommand(SERVE_FLAGS, {
  name: 'serve',
  summary: 'run one Thespian instance configured by the environment (PORT, SERVICE_NAME, CONFIG_JSON...) or options',
  header: `Usage: thespian serve [BEHAVIOUR | --config F] [--port N] [--service-name NAME] [--log-level LEVEL]

Runs one instance, like \`node dist/main.js\`. Its configuration comes from the environment (the
README has the full table).`,
  sections: [
    {
      heading: 'These options, when given, win over their variables:',
      rows: [
        ['BEHAVIOUR', "the behaviour: a .json/.jsonc file, or a bundled example's name (standalone, call_service...); instead of CONFIG_FILE or CONFIG_JSON"],
        'config',
        'port',
        'service-name',
        'log-level',
      ],
    },
    {
      heading: 'Only from the environment:',
      rows: [
        ['OTEL_BACKEND_ADDRESS', 'OTLP/gRPC endpoint for spans (default http://localhost:4317; empty: no export)'],
        ['OTEL_TRACES_EXPORTER', 'otlp (default), console or none'],
        ['LOKI_ADDRESS', 'also push logs to this Loki (e.g. http://localhost:3100)'],
      ],
    },
  ],
  footer: `THESPIAN_SEED, THESPIAN_MAX_HOPS, THESPIAN_SHUTDOWN_GRACE_MS and the other OTEL_*: see the README.
Exit status: 0 after a clean stop (SIGTERM or Ctrl-C), 1 if it cannot start (a port in use),
2 for bad options or a bad configuration.`,
  async run(args) {
    const overrides = parseServeArgs(args);
    const { serveFromEnvironment } = require('../main') as typeof import('../main');
    return serveFromEnvironment(environmentWith(process.env, overrides));
  },
});

/** The environment variables the options stand for; undefined: remove the variable. */
type Overrides = Record<string, string | undefined>;

function parseServeArgs(args: string[]): Overrides {
  const { values, positionals, problems: valueProblems } = readFlags(args, SERVE_FLAGS);
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`one behaviour at a time (got ${positionals.map((given) => `"${given}"`).join(', ')})`);
  if (positionals.length > 0 && values.config !== undefined) problems.push(`give the behaviour once: as an argument ("${positionals[0]}") or with --config, not both`);
  const behaviour = values.config ?? positionals[0];
  if (behaviour !== undefined && behaviour.trim() === '') problems.push('--config needs a file name or the name of a bundled example');
  problems.push(...valueProblems);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const { port, 'service-name': serviceName, 'log-level': logLevel } = values;

  const overrides: Overrides = {};
  // A behaviour given here replaces the environment's, whichever variable held it.
  if (behaviour !== undefined) Object.assign(overrides, { CONFIG_FILE: behaviour, CONFIG_JSON: undefined });
  if (port !== undefined) overrides.PORT = String(port);
  if (serviceName !== undefined) overrides.SERVICE_NAME = serviceName;
  if (logLevel !== undefined) overrides.LOG_LEVEL = logLevel;
  return overrides;
}

/** Read like LOG_LEVEL, which is not case-sensitive. */
function logLevel(text: string): LogLevel | Refusal {
  const level = text.trim().toLowerCase();
  return oneOf(LOG_LEVELS)(level) ?? new Refusal(`must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
}

/** A copy of `env` with the options applied: the instance reads its settings from this, not from process.env. */
function environmentWith(env: NodeJS.ProcessEnv, overrides: Overrides): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}
