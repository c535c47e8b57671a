import { isMap, isSeq, parseDocument } from 'yaml';
import type { InstrumentationStack } from './instrumentation-stack';
import { COLLECTOR_DIR, collectorConfigMapText, collectorConfigText, collectorRolloutPatch, telemetryPatch } from './kubernetes-collector';
import { lokiOtlpBase, type CollectorRoutes } from './kubernetes-collector-config';
import { commonLabels, kubectlIn, selectorOf, withNamespace, type KubernetesSettings } from './kubernetes-objects';
import type { RenderedFile } from './rendered-file';
import { toYaml, yamlStream } from './yaml-text';

/** The overlay's folder, relative to the rendered k8s folder. */
export const DEMO_DIR = 'demo';
export const GRAFANA_PORT = 3000;

/**
 * In the demo the collector sends to the stack beside it, by short Service names, exactly as the
 * compose stack's collector does (instrumentation/otel-collector.yaml): traces to Tempo over OTLP,
 * metrics pushed to Prometheus's OTLP receiver (the dashboard's metric names and job labels are
 * the ones that path gives), logs to Loki's OTLP endpoint.
 */
const DEMO_ROUTES: CollectorRoutes = {
  traces: 'http://tempo:4317',
  metrics: 'http://prometheus:9090/api/v1/otlp',
  logs: lokiOtlpBase('http://loki:3100'),
};

/** One ConfigMap mounted as a folder of files. */
interface ConfigFolder {
  readonly name: string;
  readonly mountPath: string;
  readonly files: Record<string, string>;
}

/** One backend of the stack: a Deployment and a Service, with its configs and a scratch volume. */
interface Backend {
  readonly name: string;
  /** The compose service it mirrors: image, command and environment come from there. */
  readonly composeService: string;
  /** The image's own numeric user (runAsNonRoot cannot check a user name such as "nobody"). */
  readonly uid: number;
  readonly ports: Record<string, number>;
  readonly ready: { readonly path: string; readonly port: string };
  readonly configs: readonly ConfigFolder[];
  /** Where it keeps its data: an emptyDir, so data lasts as long as the pod, as a demo wants. */
  readonly dataPath: string;
  readonly memory: { readonly request: string; readonly limit: string };
}

/**
 * The overlay: the ecosystem (../base) and its collector (../collector), plus Tempo, Loki, Prometheus
 * and Grafana in the same namespace, and patches that send the collector's output to them.
 */
export function demoOverlayFiles(baseDir: string, settings: KubernetesSettings, stack: InstrumentationStack, header: readonly string[]): RenderedFile[] {
  const backends = demoBackends(stack);
  const configText = collectorConfigText(DEMO_ROUTES);
  const kubectl = kubectlIn(settings);
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [`../${baseDir}`, ...backends.map((backend) => `${backend.name}.yaml`)],
    components: [`../${COLLECTOR_DIR}`],
    patches: [{ path: 'otel-collector-config.yaml' }, { path: 'otel-collector-rollout.yaml' }, { path: 'telemetry-patch.yaml' }],
  };
  return [
    {
      path: `${DEMO_DIR}/kustomization.yaml`,
      content: toYaml(kustomization, {
        header: [
          ...header,
          '',
          'The ecosystem with an observability stack beside it, sized for kind or minikube:',
          '  kubectl apply -k THIS_DIRECTORY',
          `  ${kubectl} port-forward service/grafana ${GRAFANA_PORT}:${GRAFANA_PORT}   # http://localhost:${GRAFANA_PORT}`,
          'Tempo, Loki, Prometheus and Grafana run the compose stack\'s images and configs (instrumentation/),',
          'with emptyDir storage: data lasts as long as the pods.',
        ],
      }),
    },
    ...backends.map((backend) => ({ path: `${DEMO_DIR}/${backend.name}.yaml`, content: backendFile(backend, settings, stack, header) })),
    { path: `${DEMO_DIR}/otel-collector-config.yaml`, content: collectorConfigMapText(configText, settings, [...header, '', 'The demo\'s collector config: to tempo, prometheus and loki in this namespace.']) },
    { path: `${DEMO_DIR}/otel-collector-rollout.yaml`, content: toYaml(collectorRolloutPatch(configText, settings), { header: [...header, '', 'Rolls the collector when the demo config replaces the base one.'] }) },
    { path: `${DEMO_DIR}/telemetry-patch.yaml`, content: toYaml(telemetryPatch(settings, { logs: true }), { header: [...header, '', 'In the demo the thespians send logs over OTLP too: the collector forwards them to Loki.'] }) },
  ];
}

function demoBackends(stack: InstrumentationStack): Backend[] {
  const file = (path: string) => ({ [path.split('/').at(-1)!]: stack.file(path) });
  return [
    {
      name: 'tempo',
      composeService: 'tempo',
      uid: 10001,
      ports: { http: 3200, 'otlp-grpc': 4317, 'otlp-http': 4318 },
      ready: { path: '/ready', port: 'http' },
      configs: [{ name: 'tempo-config', mountPath: '/etc/tempo', files: file('tempo.yaml') }],
      // tempo.yaml keeps its WAL and blocks under /tmp/tempo.
      dataPath: '/tmp',
      memory: { request: '256Mi', limit: '1Gi' },
    },
    {
      name: 'loki',
      composeService: 'loki',
      uid: 10001,
      ports: { http: 3100 },
      ready: { path: '/ready', port: 'http' },
      configs: [{ name: 'loki-config', mountPath: '/etc/loki', files: file('loki.yaml') }],
      dataPath: '/loki',
      memory: { request: '256Mi', limit: '1Gi' },
    },
    {
      name: 'prometheus',
      composeService: 'prometheus',
      uid: 65534,
      ports: { http: 9090 },
      ready: { path: '/-/ready', port: 'http' },
      configs: [{ name: 'prometheus-config', mountPath: '/etc/prometheus', files: file('prometheus.yaml') }],
      dataPath: '/prometheus',
      memory: { request: '256Mi', limit: '1Gi' },
    },
    {
      name: 'grafana',
      composeService: 'grafana',
      uid: 472,
      ports: { http: GRAFANA_PORT },
      ready: { path: '/api/health', port: 'http' },
      configs: [
        { name: 'grafana-datasources', mountPath: '/etc/grafana/provisioning/datasources', files: { 'datasources.yaml': demoDatasources(stack) } },
        { name: 'grafana-dashboard-provider', mountPath: '/etc/grafana/provisioning/dashboards', files: file('grafana/provisioning/dashboards/dashboards.yaml') },
        { name: 'grafana-dashboards', mountPath: '/etc/grafana/dashboards', files: file('grafana/dashboards/thespian-overview.json') },
      ],
      dataPath: '/var/lib/grafana',
      memory: { request: '128Mi', limit: '512Mi' },
    },
  ];
}

/**
 * The compose stack's datasources without Jaeger, which the demo does not run (in compose it is
 * an opt-in profile). Edited as a YAML document, so every other line and comment stays as written.
 */
function demoDatasources(stack: InstrumentationStack): string {
  const document = parseDocument(stack.file('grafana/provisioning/datasources/datasources.yaml'));
  const list = document.get('datasources', true);
  if (!isSeq(list)) throw new Error('instrumentation/grafana/provisioning/datasources/datasources.yaml: no datasources list');
  list.items = list.items.filter((item) => !(isMap(item) && item.get('uid') === 'jaeger'));
  return document.toString({ lineWidth: 0 });
}

function backendFile(backend: Backend, settings: KubernetesSettings, stack: InstrumentationStack, header: readonly string[]): string {
  const metadata = (name: string) => ({ name, ...withNamespace(settings.namespace), labels: { 'app.kubernetes.io/name': backend.name, ...commonLabels(settings.partOf) } });
  const about = [...header, '', `${backend.name} for the demo: the compose stack's image, command and config (instrumentation/).`];
  const configMaps = backend.configs.map((config, index) =>
    toYaml(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(config.name), data: config.files },
      { header: index === 0 ? about : [], blockLiterals: Object.keys(config.files).map((key) => ['data', key]) },
    ),
  );
  const args = stack.command(backend.composeService);
  const environment = Object.entries(stack.environment(backend.composeService)).map(([name, value]) => ({ name, value }));
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(backend.name),
    spec: {
      replicas: 1,
      // Single binary with local storage: two copies must never share (or fight over) the data.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorOf(backend.name, settings) },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': backend.name, ...commonLabels(settings.partOf) } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The user only: the image's own group stays (Grafana's files belong to group 0); emptyDir is world-writable.
          securityContext: { runAsNonRoot: true, runAsUser: backend.uid, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: backend.name,
              image: stack.image(backend.composeService),
              imagePullPolicy: 'IfNotPresent',
              ...(args.length > 0 ? { args } : {}),
              ...(environment.length > 0 ? { env: environment } : {}),
              ports: Object.entries(backend.ports).map(([name, port]) => ({ name, containerPort: port, protocol: 'TCP' })),
              resources: { requests: { cpu: '50m', memory: backend.memory.request }, limits: { cpu: '1', memory: backend.memory.limit } },
              readinessProbe: { httpGet: { path: backend.ready.path, port: backend.ready.port }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                ...backend.configs.map((config) => ({ name: config.name, mountPath: config.mountPath, readOnly: true })),
                { name: 'data', mountPath: backend.dataPath },
              ],
            },
          ],
          volumes: [
            ...backend.configs.map((config) => ({ name: config.name, configMap: { name: config.name } })),
            // Bounded, so a long demo fills the pod's scratch space, not the node's disk.
            { name: 'data', emptyDir: { sizeLimit: '2Gi' } },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(backend.name),
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(backend.name, settings),
      ports: Object.entries(backend.ports).map(([name, port]) => ({ name, port, targetPort: name, protocol: 'TCP', appProtocol: name === 'otlp-grpc' ? 'grpc' : 'http' })),
    },
  };
  return yamlStream([...configMaps, toYaml(deployment), toYaml(service)]);
}
