import { CONTAINER_PORT, DRAIN_GRACE_MS, HEALTH_COMMAND, METRIC_EXPORT_INTERVAL_MS, SERVE_ARGS, STOP_TIMEOUT_S } from './instance-runtime';
import { toComposeProjectName } from './naming';
import { planServices, type PlannedService } from './planned-service';
import { entryServiceOf, listOf, provenance, summaryOf, type RenderContext } from './render-context';
import type { RenderOutput } from './rendered-file';
import { toYaml, type YamlPath } from './yaml-text';

/** The network instrumentation/docker-compose.yaml creates (fixed name, no project prefix). */
const COMPOSE_NETWORK = 'thespian';
/** `just up` builds and exports THESPIAN_IMAGE; without it the locally built tag. */
const DEFAULT_IMAGE = '${THESPIAN_IMAGE:-thespian:local}';
/** The instrumentation stack's OpenTelemetry Collector, by its name on that network: it takes all three signals. */
const DEFAULT_OTLP_ENDPOINT = 'http://otel-collector:4317';
const COMPOSE_FILE = 'docker-compose.yaml';

/**
 * One compose service per Thespian, on the instrumentation stack's network. Inside the network
 * every service listens on 6379 and callers use NAME:6379; on the host each is published on
 * 127.0.0.1 at its topology port, so `thespian load --topology FILE` and `thespian poke` work
 * from the host exactly as against `thespian up`. Callers depend on the services they call
 * (healthy first), which also lets `just up`'s poker find the entry service.
 */
export function renderCompose(context: RenderContext): RenderOutput {
  const { topology, options } = context;
  const planned = planServices(topology, (target) => ({ address: target.name, port: CONTAINER_PORT }));
  const entry = entryServiceOf(topology);
  const otlp = options.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT;
  const loki = options.lokiAddress ?? '';

  const services: Record<string, unknown> = {};
  const comments: { path: YamlPath; lines: string[] }[] = [];
  for (const plan of planned) {
    const name = plan.service.name;
    services[name] = composeService(plan, { image: options.image ?? DEFAULT_IMAGE, otlp, loki, entry: name === entry, adminTokenEnvFile: options.adminTokenEnvFile });
    comments.push({ path: ['services', name], lines: describe(plan, context) });
  }

  const document = {
    name: toComposeProjectName(`thespian-${topology.name}`),
    networks: { [COMPOSE_NETWORK]: { name: COMPOSE_NETWORK, external: true } },
    services,
  };
  const header = [
    `The "${topology.name}" ecosystem as Docker Compose services, one Thespian each.`,
    ...provenance('compose', context),
    '',
    `Every service sends its traces, metrics and logs over OTLP to ${otlp}${loki === '' ? '' : `, except its logs, which go to Loki at ${loki}`}.`,
    '',
    'The network is created by the observability stack, so start that first (`npx just up` does both):',
    '  docker compose -f instrumentation/docker-compose.yaml up -d',
    '  docker compose -f THIS_FILE up -d --wait',
    '',
    `Inside the network every service listens on ${CONTAINER_PORT} and callers use NAME:${CONTAINER_PORT}. On the host`,
    'each is published on 127.0.0.1 at its topology port, so `thespian load --topology FILE`',
    'and `thespian poke localhost:PORT` reach it as they reach `thespian up`.',
  ];
  const text = toYaml(document, { header, comments });
  return { files: [{ path: COMPOSE_FILE, content: text }], stdout: text };
}

interface ServiceSettings {
  image: string;
  otlp: string;
  /** "" unless --loki-address was given. */
  loki: string;
  entry: boolean;
  /** The env file with THESPIAN_ADMIN_TOKEN, or undefined for the admin API off. */
  adminTokenEnvFile?: string;
}

/**
 * Traces, metrics and logs all go to one OTLP endpoint, the stack's collector by default. Logs take
 * one path only: OTLP, or Loki's push API when --loki-address names one, never both, or Loki would
 * store every line twice.
 */
function telemetryEnvironment({ otlp, loki }: ServiceSettings): Record<string, string> {
  return {
    OTEL_BACKEND_ADDRESS: otlp,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
    ...(loki === '' ? { OTEL_LOGS_EXPORTER: 'otlp' } : { OTEL_LOGS_EXPORTER: 'none', LOKI_ADDRESS: loki }),
  };
}

function composeService(plan: PlannedService, settings: ServiceSettings): Record<string, unknown> {
  const { service } = plan;
  const spec: Record<string, unknown> = {
    image: settings.image,
    command: [...SERVE_ARGS],
    environment: {
      PORT: String(CONTAINER_PORT),
      SERVICE_NAME: service.name,
      ...telemetryEnvironment(settings),
      THESPIAN_SHUTDOWN_GRACE_MS: String(DRAIN_GRACE_MS),
      // Compose reads "$" in values as interpolation; "$$" is a literal "$".
      CONFIG_JSON: JSON.stringify(plan.behaviour).replaceAll('$', '$$$$'),
    },
  };
  // Compose reads the file when it starts the service, so the token is never written into this YAML.
  if (settings.adminTokenEnvFile !== undefined) spec.env_file = settings.adminTokenEnvFile;
  // Several copies cannot share one host port, so a scaled service is reached inside the
  // network only (Docker's DNS spreads NAME over the copies).
  if (service.replicas > 1) spec.deploy = { replicas: service.replicas };
  else spec.ports = [`127.0.0.1:${service.port}:${CONTAINER_PORT}`];
  spec.networks = [COMPOSE_NETWORK];
  if (plan.waitsFor.length > 0) {
    spec.depends_on = Object.fromEntries(plan.waitsFor.map((callee) => [callee, { condition: 'service_healthy' }]));
  }
  spec.healthcheck = {
    test: ['CMD', ...HEALTH_COMMAND],
    interval: '5s',
    timeout: '3s',
    retries: 3,
    start_period: '10s',
  };
  spec.labels = {
    'thespian.service': service.name,
    ...(settings.entry ? { 'thespian.entry': 'true' } : {}),
  };
  // The instance writes nothing to disk and needs no privilege.
  spec.read_only = true;
  spec.cap_drop = ['ALL'];
  spec.security_opt = ['no-new-privileges:true'];
  // Lets the unprivileged instance give its sleep timer thread real-time priority (no capability
  // needed), which keeps Sleep spans on time on a busy host; see THESPIAN_TIMER_PRIORITY.
  spec.ulimits = { rtprio: 1 };
  // Long enough to drain calls in flight and flush spans and logs (Docker's default is 10 s).
  spec.stop_grace_period = `${STOP_TIMEOUT_S}s`;
  spec.restart = 'unless-stopped';
  return spec;
}

function describe(plan: PlannedService, context: RenderContext): string[] {
  const { service } = plan;
  const lines = [summaryOf(plan, context.topology)];
  if (service.replicas > 1) {
    lines.push(`${service.replicas} replicas, reached inside the network only (copies cannot share host port ${service.port}).`);
  } else {
    lines.push(`On the host: 127.0.0.1:${service.port}.`);
  }
  const unwaited = plan.calls.filter((callee) => !plan.waitsFor.includes(callee));
  if (unwaited.length > 0) {
    lines.push(`Starts without waiting for ${listOf(unwaited)}: calls from there lead back here, and start order cannot go round a cycle.`);
  }
  return lines;
}
