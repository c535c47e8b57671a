import type { Command } from './command';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run one Thespian instance configured by the environment (PORT, SERVICE_NAME, CONFIG_JSON...)',
  usage: `Usage: thespian serve

Runs one instance, exactly like \`node dist/main.js\`. Configuration comes from the environment:
  PORT                     port to listen on (default 6379)
  SERVICE_NAME             service.name of spans and logs (else OTEL_SERVICE_NAME, the config's service_name, "thespian")
  CONFIG_JSON              the behaviour, inline JSON
  CONFIG_FILE              or a .json/.jsonc file, or the name of a bundled example (e.g. standalone)
  OTEL_BACKEND_ADDRESS     OTLP/gRPC endpoint for spans (default http://localhost:4317; empty: no export)
  OTEL_TRACES_EXPORTER     otlp (default), console or none
  LOKI_ADDRESS             also push logs to this Loki (e.g. http://localhost:3100)
See the README for the full table.`,
  async run() {
    const { serveFromEnvironment } = require('../main') as typeof import('../main');
    return serveFromEnvironment();
  },
};
