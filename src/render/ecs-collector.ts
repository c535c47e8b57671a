import { awsLogs, fargateTask, lockedDown, TwoWay, type ContainerDefinition, type TaskDefinition, type TelemetryRoute, type TwoWayValues } from './ecs-task-definition';
import type { EcsCollector } from './render-options';
import { toYaml } from './yaml-text';

/**
 * The OpenTelemetry Collector of an ECS rendering: where every Thespian sends its traces, metrics
 * and logs, and what forwards them to the OtlpEndpoint parameter. Either one collector service
 * that the tasks reach by name through Service Connect, or a collector container beside the
 * Thespian in every task, or none (the Thespians send traces to OtlpEndpoint themselves, as before
 * there was a choice). docs/deploy.md says which to choose when.
 *
 * The image is the contrib distribution at the version instrumentation/docker-compose.yaml pins
 * (a test keeps the two equal), so the components and keys here are the ones checked there.
 */
export const COLLECTOR_IMAGE = 'otel/opentelemetry-collector-contrib:0.159.0';

/** The collector's container name, and its Service Connect name unless a topology service has taken it. */
export const COLLECTOR_NAME = 'otel-collector';

/** OTLP over gRPC, where the Thespians' exporters send by default. */
const OTLP_GRPC_PORT = 4317;
const OTLP_PORT_NAME = 'otlp-grpc';

/** The port mapping the collector service publishes, and the Thespians' alias for it. */
export const COLLECTOR_PORT = { name: OTLP_PORT_NAME, port: OTLP_GRPC_PORT };

/** The collector reads its whole configuration from this variable (`--config=env:NAME`, the envprovider's scheme). */
const CONFIG_VARIABLE = 'OTEL_COLLECTOR_CONFIG';
/** ...and the address it forwards to from this one, so the configuration text is the same in both files. */
const UPSTREAM_VARIABLE = 'OTLP_UPSTREAM_ENDPOINT';

/**
 * Memory per mode. The sidecar has a hard container limit inside the Thespian's 512 MiB task;
 * the service has a task of its own. memory_limiter refuses data below each (its spike
 * allowance the suggested 20 %), and GOMEMLIMIT is 80 % of memory_limiter's limit, after the
 * processor's README and as the compose stack's collector has it.
 */
const SIZES = {
  sidecar: { containerMiB: 128, limitMiB: 100, spikeMiB: 20, goMemLimit: '80MiB' },
  service: { containerMiB: undefined, limitMiB: 800, spikeMiB: 160, goMemLimit: '640MiB' },
} as const;
const SERVICE_TASK = { cpu: '512', memory: '1024' };

/** The collector's image, a parameter in the template (a mirror in ECR, or ADOT's image with the same config). */
const collectorImage = new TwoWay(COLLECTOR_IMAGE, { Ref: 'CollectorImage' });

/** Where each mode tells a Thespian to send, and what it adds to its task. */
export function telemetryRoute(mode: EcsCollector, values: TwoWayValues, collectorName: string, streamPrefix: string): TelemetryRoute {
  if (mode === 'none') {
    return { environment: [{ name: 'OTEL_BACKEND_ADDRESS', value: values.otlp }, { name: 'LOKI_ADDRESS', value: values.loki }], sidecars: [], dependsOn: [] };
  }
  // A sidecar shares the task's network namespace (awsvpc), so loopback reaches it and nothing outside the task does.
  const endpoint = mode === 'sidecar' ? `http://127.0.0.1:${OTLP_GRPC_PORT}` : `http://${collectorName}:${OTLP_GRPC_PORT}`;
  return {
    environment: [
      { name: 'OTEL_BACKEND_ADDRESS', value: endpoint },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
      // A collector takes all three signals, so metrics and log records are worth sending too.
      { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' },
      { name: 'OTEL_LOGS_EXPORTER', value: 'otlp' },
      { name: 'LOKI_ADDRESS', value: values.loki },
    ],
    sidecars: mode === 'sidecar' ? [collectorContainer('sidecar', values, streamPrefix)] : [],
    // START, not HEALTHY: the contrib image is the collector binary alone, with nothing a container
    // health check could run. The Thespian's exporters retry, so the moments before the receiver
    // listens cost nothing; and stopping in reverse order lets the Thespian flush into a live collector.
    dependsOn: mode === 'sidecar' ? [{ containerName: COLLECTOR_NAME, condition: 'START' }] : [],
  };
}

/** The collector service's task: one collector container published as "otlp-grpc" for Service Connect. */
export function collectorTaskDefinition(project: string, values: TwoWayValues, name: string): TaskDefinition {
  return { ...fargateTask(`${project}-${name}`, values, SERVICE_TASK), containerDefinitions: [collectorContainer('service', values, name)] };
}

function collectorContainer(mode: 'sidecar' | 'service', values: TwoWayValues, streamPrefix: string): ContainerDefinition {
  const size = SIZES[mode];
  return {
    name: COLLECTOR_NAME,
    image: collectorImage,
    // Without the collector a Thespian's telemetry is lost, which is all it is for: the task is replaced instead.
    essential: true,
    command: [`--config=env:${CONFIG_VARIABLE}`],
    ...(mode === 'service' ? { portMappings: [{ name: OTLP_PORT_NAME, containerPort: OTLP_GRPC_PORT, protocol: 'tcp', appProtocol: 'grpc' }] } : {}),
    environment: [
      { name: CONFIG_VARIABLE, value: collectorConfig(mode) },
      { name: UPSTREAM_VARIABLE, value: values.otlp },
      { name: 'GOMEMLIMIT', value: size.goMemLimit },
    ],
    ...(size.containerMiB !== undefined ? { memory: size.containerMiB } : {}),
    logConfiguration: awsLogs(values, streamPrefix),
    ...lockedDown(),
  };
}

/**
 * The collector's configuration: OTLP in, memory_limiter then batch (the order the collector's
 * READMEs advise), and every signal out to the upstream over OTLP/gRPC. Keys as checked for
 * instrumentation/otel-collector.yaml against the collector's sources at v0.159.0.
 */
export function collectorConfig(mode: 'sidecar' | 'service'): string {
  const size = SIZES[mode];
  const pipeline = { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/upstream'] };
  return toYaml({
    receivers: {
      // The receiver binds to localhost unless told; the service must take other tasks' connections.
      otlp: { protocols: { grpc: { endpoint: `${mode === 'sidecar' ? '127.0.0.1' : '0.0.0.0'}:${OTLP_GRPC_PORT}` } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_mib: size.limitMiB, spike_limit_mib: size.spikeMiB },
      batch: {},
    },
    exporters: {
      'otlp_grpc/upstream': {
        endpoint: `\${env:${UPSTREAM_VARIABLE}}`,
        // Plaintext for an http:// endpoint; an https:// one still gets TLS (the scheme overrides `insecure`).
        tls: { insecure: true },
      },
    },
    service: { pipelines: { traces: pipeline, metrics: pipeline, logs: pipeline } },
  });
}
