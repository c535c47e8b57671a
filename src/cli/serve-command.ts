import { LOG_LEVELS, MAX_PORT, type LogLevel } from '../config/setting-values';
import { wholeNumberAtLeast } from './option-values';
import type { Command } from './command';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';


const USAGE = `Usage: thespian serve [BEHAVIOUR | --config F] [--port N] [--service-name NAME] [--log-level LEVEL]

Runs one instance, like \`node dist/main.js\`. Its configuration comes from the environment (the
README has the full table); these options, when given, win over their variables:
  BEHAVIOUR, --config F    the behaviour: a .json/.jsonc file, or a bundled example's name
                           (standalone, call_service...); instead of CONFIG_FILE or CONFIG_JSON
  --port N                 port to listen on, 0 for any free one; instead of PORT (default 6379)
  --service-name NAME      service.name of spans and logs; instead of SERVICE_NAME (else
                           OTEL_SERVICE_NAME, the config's service_name, "thespian")
  --log-level LEVEL        error, warn, info (default) or debug; instead of LOG_LEVEL
Only from the environment:
  OTEL_BACKEND_ADDRESS     OTLP/gRPC endpoint for spans (default http://localhost:4317; empty: no export)
  OTEL_TRACES_EXPORTER     otlp (default), console or none
  LOKI_ADDRESS             also push logs to this Loki (e.g. http://localhost:3100)
  THESPIAN_SEED, THESPIAN_MAX_HOPS, THESPIAN_SHUTDOWN_GRACE_MS, OTEL_*: see the README

Exit status: 0 after a clean stop (SIGTERM or Ctrl-C), 1 if it cannot start (a port in use),
2 for bad options or a bad configuration.`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run one Thespian instance configured by the environment (PORT, SERVICE_NAME, CONFIG_JSON...) or options',
  usage: USAGE,
  async run(args) {
    const overrides = parseServeArgs(args);
    const { serveFromEnvironment } = require('../main') as typeof import('../main');
    return serveFromEnvironment(environmentWith(process.env, overrides));
  },
};

/** The environment variables the options stand for; undefined: remove the variable. */
type Overrides = Record<string, string | undefined>;

function parseServeArgs(args: string[]): Overrides {
  const { values, positionals } = parseCommandArgs(args, {
    config: { type: 'string' },
    port: { type: 'string' },
    'service-name': { type: 'string' },
    'log-level': { type: 'string' },
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`one behaviour at a time (got ${positionals.map((given) => `"${given}"`).join(', ')})`);
  if (positionals.length > 0 && values.config !== undefined) problems.push(`give the behaviour once: as an argument ("${positionals[0]}") or with --config, not both`);
  const behaviour = values.config ?? positionals[0];
  if (behaviour !== undefined && behaviour.trim() === '') problems.push('--config needs a file name or the name of a bundled example');
  const port = values.port === undefined ? undefined : wholeNumberAtLeast(values.port, 0);
  if (values.port !== undefined && (port === undefined || port > MAX_PORT)) problems.push(`--port must be a whole number from 0 to ${MAX_PORT} (got "${values.port}")`);
  const serviceName = values['service-name'];
  if (serviceName !== undefined && serviceName.trim() === '') problems.push('--service-name cannot be empty');
  // Read like LOG_LEVEL, which is not case-sensitive.
  const logLevel = values['log-level']?.trim().toLowerCase();
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const overrides: Overrides = {};
  // A behaviour given here replaces the environment's, whichever variable held it.
  if (behaviour !== undefined) Object.assign(overrides, { CONFIG_FILE: behaviour, CONFIG_JSON: undefined });
  if (port !== undefined) overrides.PORT = String(port);
  if (serviceName !== undefined) overrides.SERVICE_NAME = serviceName;
  if (logLevel !== undefined) overrides.LOG_LEVEL = logLevel;
  return overrides;
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
