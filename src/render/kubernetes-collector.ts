import { createHash } from 'node:crypto';
import { METRIC_EXPORT_INTERVAL_MS } from './instance-runtime';
import type { InstrumentationStack } from './instrumentation-stack';
import { annotationsOf } from './kubernetes-mesh';
import {
  collectorConfig,
  HEALTH_PORT,
  MEMORY_LIMIT_MIB,
  METRICS_SCRAPE_PORT,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
  SELF_METRICS_PORT,
  type CollectorRoutes,
} from './kubernetes-collector-config';
import { commonLabels, selectorOf, TELEMETRY_CONFIG, withNamespace, type KubernetesSettings } from './kubernetes-objects';
import type { RenderedFile } from './rendered-file';
import { toYaml, yamlStream } from './yaml-text';

/** The folder of the kustomize Component, relative to the rendered k8s folder. */
export const COLLECTOR_DIR = 'collector';
export const COLLECTOR_NAME = 'otel-collector';
const CONFIG_MAP = 'otel-collector-config';
const CONFIG_KEY = 'config.yaml';
/** Where the contrib image looks for its config (instrumentation/docker-compose.yaml mounts it there too). */
const CONFIG_DIR = '/etc/otelcol-contrib';
/** The contrib image's numeric non-root user, stated so runAsNonRoot can be checked before start. */
const COLLECTOR_UID = 10001;
const CHECKSUM_ANNOTATION = 'checksum/config';

/** Where the thespians send once the collector is in: the collector's Service, by its short name. */
export const COLLECTOR_ENDPOINT = `http://${COLLECTOR_NAME}:${OTLP_GRPC_PORT}`;

/**
 * The Component: the collector (ConfigMap, Deployment, Service) and a patch of the telemetry
 * ConfigMap that points every thespian at it. Without the component the base's ConfigMap sends
 * traces straight to --otlp-endpoint, as before.
 */
export function collectorComponentFiles(routes: CollectorRoutes, settings: KubernetesSettings, stack: InstrumentationStack, header: readonly string[]): RenderedFile[] {
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1alpha1',
    kind: 'Component',
    resources: ['otel-collector.yaml'],
    patches: [{ path: 'telemetry-patch.yaml' }],
  };
  const configText = collectorConfigText(routes);
  const signals = [
    `traces -> ${routes.traces}`,
    `metrics -> ${routes.metrics ?? `http://${COLLECTOR_NAME}:${METRICS_SCRAPE_PORT}/metrics, for your Prometheus to scrape`}`,
    `logs -> ${routes.logs ?? 'nowhere: without --loki-address the thespians keep their logs on stdout'}`,
  ];
  return [
    {
      path: `${COLLECTOR_DIR}/kustomization.yaml`,
      content: toYaml(kustomization, {
        header: [
          ...header,
          '',
          'An OpenTelemetry Collector in the namespace, which every thespian sends traces, metrics and logs to:',
          ...signals.map((line) => `  ${line}`),
          'The base kustomization lists it under `components:`; delete that line to send straight to --otlp-endpoint.',
        ],
      }),
    },
    {
      path: `${COLLECTOR_DIR}/otel-collector.yaml`,
      content: yamlStream([
        collectorConfigMapText(configText, settings, header),
        toYaml(collectorDeployment(configText, routes, settings, stack)),
        toYaml(collectorService(routes, settings)),
      ]),
    },
    {
      path: `${COLLECTOR_DIR}/telemetry-patch.yaml`,
      content: toYaml(telemetryPatch(settings, { logs: routes.logs !== undefined }), {
        header: [...header, '', `Points every thespian at the collector (${COLLECTOR_ENDPOINT}) for all three signals.`],
      }),
    },
  ];
}

/** The collector's configuration as the text of its ConfigMap key. */
export function collectorConfigText(routes: CollectorRoutes): string {
  return toYaml(collectorConfig(routes));
}

/** The collector's ConfigMap, whole: the base renders it, the demo overlay patches it with its own routes. */
export function collectorConfigMapText(configText: string, settings: KubernetesSettings, header: readonly string[]): string {
  return toYaml(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadataOf(CONFIG_MAP, settings), data: { [CONFIG_KEY]: configText } },
    { header: [...header, '', 'The collector reads this at start; the Deployment carries its checksum, so a change rolls the pods.'], blockLiterals: [['data', CONFIG_KEY]] },
  );
}

/** A patch of the Deployment's checksum, for an overlay that replaces the config. */
export function collectorRolloutPatch(configText: string, settings: KubernetesSettings): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: COLLECTOR_NAME, ...withNamespace(settings.namespace) },
    spec: { template: { metadata: { annotations: { [CHECKSUM_ANNOTATION]: checksumOf(configText) } } } },
  };
}

/** The thespians' telemetry settings with the collector in; `logs` says whether logs go to it too. */
export function telemetryPatch(settings: KubernetesSettings, { logs }: { logs: boolean }): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: TELEMETRY_CONFIG, ...withNamespace(settings.namespace) },
    data: {
      OTEL_BACKEND_ADDRESS: COLLECTOR_ENDPOINT,
      OTEL_EXPORTER_OTLP_ENDPOINT: COLLECTOR_ENDPOINT,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
      // One path for logs, never two (or the backend stores every line twice): OTLP to the collector.
      OTEL_LOGS_EXPORTER: logs ? 'otlp' : 'none',
      LOKI_ADDRESS: '',
    },
  };
}

function checksumOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function metadataOf(name: string, settings: KubernetesSettings): Record<string, unknown> {
  return { name, ...withNamespace(settings.namespace), labels: { 'app.kubernetes.io/name': COLLECTOR_NAME, ...commonLabels(settings.partOf) } };
}

function collectorDeployment(configText: string, routes: CollectorRoutes, settings: KubernetesSettings, stack: InstrumentationStack): Record<string, unknown> {
  const health = { httpGet: { path: '/', port: HEALTH_PORT } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataOf(COLLECTOR_NAME, settings),
    spec: {
      // One copy is enough for a simulator's load; the thespians' exporters retry while it restarts.
      replicas: 1,
      selector: { matchLabels: selectorOf(COLLECTOR_NAME, settings) },
      template: {
        metadata: {
          labels: { 'app.kubernetes.io/name': COLLECTOR_NAME, ...commonLabels(settings.partOf) },
          // In a meshed namespace the collector is meshed too (Linkerd wants its trace collector meshed).
          annotations: { [CHECKSUM_ANNOTATION]: checksumOf(configText), ...settings.mesh.podAnnotations },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: COLLECTOR_UID, runAsGroup: COLLECTOR_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: COLLECTOR_NAME,
              image: stack.image(COLLECTOR_NAME),
              imagePullPolicy: 'IfNotPresent',
              args: stack.command(COLLECTOR_NAME),
              env: [
                // The Go runtime's soft limit at 80 % of memory_limiter's hard limit, as the processor's README advises.
                { name: 'GOMEMLIMIT', value: `${(MEMORY_LIMIT_MIB * 4) / 5}MiB` },
              ],
              ports: collectorPorts(routes, settings).map(({ name, port }) => ({ name, containerPort: port, protocol: 'TCP' })),
              // The hard limit sits above memory_limiter's 400 MiB, so the limiter refuses data before the kernel kills the pod.
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              // health_check answers 200 once every pipeline has started.
              readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 2 },
              livenessProbe: { ...health, periodSeconds: 15, failureThreshold: 4 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: CONFIG_MAP } }],
        },
      },
    },
  };
}

/** The OTLP/gRPC port says gRPC in the mesh's own spelling (Linkerd would take `grpc` as opaque TCP). */
function collectorPorts(routes: CollectorRoutes, settings: KubernetesSettings): { name: string; port: number; appProtocol?: string }[] {
  return [
    { name: 'otlp-grpc', port: OTLP_GRPC_PORT, appProtocol: settings.mesh.appProtocol },
    { name: 'otlp-http', port: OTLP_HTTP_PORT, appProtocol: 'http' },
    { name: 'self-metrics', port: SELF_METRICS_PORT, appProtocol: 'http' },
    ...(routes.metrics === undefined ? [{ name: 'metrics', port: METRICS_SCRAPE_PORT, appProtocol: 'http' }] : []),
  ];
}

function collectorService(routes: CollectorRoutes, settings: KubernetesSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...metadataOf(COLLECTOR_NAME, settings), ...annotationsOf(settings.mesh.serviceAnnotations) },
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(COLLECTOR_NAME, settings),
      ports: collectorPorts(routes, settings).map(({ name, port, appProtocol }) => ({ name, port, targetPort: name, protocol: 'TCP', appProtocol })),
    },
  };
}
