import { createHash } from 'node:crypto';
import {
  CONTAINER_PORT,
  DRAIN_GRACE_MS,
  IMAGE_UID,
  PORT_NAME,
  PRE_STOP_SLEEP_S,
  SERVE_ARGS,
  STOP_TIMEOUT_S,
} from './instance-runtime';
import { toDnsLabel, toLabelValue } from './naming';
import { planServices, type PlannedService } from './planned-service';
import { entryPointsOf, listOf, provenance, type RenderContext } from './render-context';
import type { RenderedFile, RenderOutput } from './rendered-file';
import { trafficPlan, type TrafficPlan } from './traffic-plan';
import { toYaml, yamlStream } from './yaml-text';

/** Where a kind or minikube cluster finds an image loaded with `kind load docker-image thespian:local`. */
const DEFAULT_IMAGE = 'thespian:local';
/**
 * An OTLP receiver in the cluster; docs/deploy.md starts a Jaeger all-in-one there in three
 * commands. Any other backend: --otlp-endpoint, or edit the telemetry ConfigMap.
 */
const DEFAULT_OTLP_ENDPOINT = 'http://jaeger.observability:4317';
/** Logs go to stdout, where the cluster's log collector finds them; Loki push is opt-in. */
const DEFAULT_LOKI_ADDRESS = '';

const TELEMETRY_CONFIG = 'thespian-telemetry';
const BEHAVIOUR_FILE = 'behaviour.json';
const BEHAVIOUR_DIR = '/etc/thespian';
const CONTAINER_NAME = 'thespian';

/**
 * A Deployment, a Service and a behaviour ConfigMap per Thespian, a shared ConfigMap with the
 * telemetry endpoints, an optional Namespace, and a kustomization.yaml listing them.
 *
 * Callers reach a service by its Service name alone (NAME:6379): every Service sits in the
 * callers' own namespace, and a pod's DNS search path tries NAME.<its namespace>.svc.<domain>
 * first, so the short name resolves on the first query, keeps working when kustomize or
 * `kubectl -n` moves everything to another namespace, and needs no cluster domain. (A dotted
 * NAME.NS.svc.cluster.local has fewer dots than ndots:5 and is tried against every search
 * domain first.) --cluster-domain asks for fully qualified names instead.
 */
export function renderKubernetes(context: RenderContext): RenderOutput {
  const { topology, options } = context;
  const namespace = options.namespace ?? toDnsLabel(topology.name, 'thespian');
  const domain = options.clusterDomain;
  const partOf = toLabelValue(topology.name) || 'thespian';
  const hostOf = (service: string) => (domain ? `${service}.${namespace}.svc.${domain}` : service);
  const planned = planServices(topology, (target) => ({ address: hostOf(target.name), port: CONTAINER_PORT }));
  const settings: Settings = { namespace, partOf, image: options.image ?? DEFAULT_IMAGE };
  const header = provenance('k8s', context);

  const files: RenderedFile[] = [];
  if (namespace !== '') {
    files.push({
      path: 'namespace.yaml',
      content: toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: commonLabels(partOf) } },
        {
          header: [
            ...header,
            '',
            'For a service mesh, mark the namespace before the pods start:',
            '  Linkerd: metadata.annotations: {linkerd.io/inject: enabled}',
            '  Istio:   metadata.labels: {istio-injection: enabled}',
          ],
        },
      ),
    });
  }
  files.push({
    path: 'telemetry.yaml',
    content: toYaml(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: TELEMETRY_CONFIG, ...withNamespace(namespace), labels: commonLabels(partOf) },
        data: {
          OTEL_BACKEND_ADDRESS: options.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT,
          LOKI_ADDRESS: options.lokiAddress ?? DEFAULT_LOKI_ADDRESS,
          LOG_LEVEL: 'info',
        },
      },
      {
        header: [
          ...header,
          '',
          'Where every Thespian of this topology sends traces (OTLP/gRPC) and, when set, logs (Loki).',
          'Pods read it at start: after a change, `kubectl rollout restart deployment -l app.kubernetes.io/part-of=' + partOf + '`.',
        ],
      },
    ),
  });
  for (const plan of planned) files.push({ path: `${plan.service.name}.yaml`, content: serviceFile(plan, settings, context, header) });
  const traffic = trafficPlan(topology, hostOf);
  if (traffic) files.push({ path: 'traffic.yaml', content: trafficFile(traffic, settings, header) });

  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...(namespace === '' ? {} : { namespace }),
    resources: files.map((file) => file.path),
  };
  const stdout = yamlStream(files.map((file) => file.content));
  files.unshift({
    path: 'kustomization.yaml',
    content: toYaml(kustomization, {
      header: [...header, '', 'kubectl apply -k THIS_DIRECTORY'],
    }),
  });
  return { files, stdout };
}

interface Settings {
  namespace: string;
  partOf: string;
  image: string;
}

function serviceFile(plan: PlannedService, settings: Settings, context: RenderContext, header: string[]): string {
  const name = plan.service.name;
  const behaviourText = `${JSON.stringify(plan.behaviour, null, 2)}\n`;
  const labels = { 'app.kubernetes.io/name': name, ...commonLabels(settings.partOf) };
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': settings.partOf };
  const metadata = (objectName: string) => ({ name: objectName, ...withNamespace(settings.namespace), labels });
  const behaviourConfig = `${name}-behaviour`;

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(behaviourConfig),
    data: { [BEHAVIOUR_FILE]: behaviourText },
  };

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name),
    spec: {
      replicas: plan.service.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          // The instance reads its behaviour once, at start: a changed behaviour must roll the pods.
          annotations: { 'checksum/behaviour': createHash('sha256').update(behaviourText).digest('hex') },
        },
        spec: {
          // Preferred over the default 30 s by being computed: preStop, drain, span and log flush.
          terminationGracePeriodSeconds: PRE_STOP_SLEEP_S + STOP_TIMEOUT_S,
          automountServiceAccountToken: false,
          // Service links would add FOO_PORT=tcp://... variables for every Service in the namespace.
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          containers: [
            {
              name: CONTAINER_NAME,
              image: settings.image,
              imagePullPolicy: 'IfNotPresent',
              args: [...SERVE_ARGS],
              ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: 'TCP' }],
              env: [
                { name: 'PORT', value: String(CONTAINER_PORT) },
                { name: 'SERVICE_NAME', value: name },
                { name: 'CONFIG_FILE', value: `${BEHAVIOUR_DIR}/${BEHAVIOUR_FILE}` },
                { name: 'THESPIAN_SHUTDOWN_GRACE_MS', value: String(DRAIN_GRACE_MS) },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                {
                  name: 'OTEL_RESOURCE_ATTRIBUTES',
                  value: `k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.node.name=$(NODE_NAME),k8s.deployment.name=${name},service.namespace=${settings.partOf}`,
                },
              ],
              envFrom: [{ configMapRef: { name: TELEMETRY_CONFIG } }],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '1', memory: '256Mi' },
              },
              // The kubelet asks the instance's grpc.health.v1 service itself (no exec, no binary).
              startupProbe: { grpc: { port: CONTAINER_PORT }, periodSeconds: 1, failureThreshold: 30 },
              readinessProbe: { grpc: { port: CONTAINER_PORT }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 1 },
              livenessProbe: { grpc: { port: CONTAINER_PORT }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_S } } },
              securityContext: containerSecurityContext(),
              volumeMounts: [
                { name: 'behaviour', mountPath: BEHAVIOUR_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'behaviour', configMap: { name: behaviourConfig } },
            // The root filesystem is read-only; Node and its libraries may still want a scratch /tmp.
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name),
    spec: {
      type: 'ClusterIP',
      selector,
      // Named "grpc" with appProtocol grpc, so Istio and Linkerd treat the traffic as gRPC.
      ports: [{ name: PORT_NAME, port: CONTAINER_PORT, targetPort: PORT_NAME, protocol: 'TCP', appProtocol: 'grpc' }],
    },
  };

  const calls = plan.calls.length > 0 ? `calls ${listOf(plan.calls)}` : 'calls no other service';
  const entry = entryPointsOf(context.topology, name);
  const about = [
    '',
    `${name}: ${calls}${entry ? `; entry point (${entry})` : ''}.`,
    `From your machine: kubectl${settings.namespace ? ` -n ${settings.namespace}` : ''} port-forward service/${name} ${plan.service.port}:${CONTAINER_PORT}`,
  ];
  return yamlStream([
    toYaml(configMap, { header: [...header, ...about], blockLiterals: [['data', BEHAVIOUR_FILE]] }),
    toYaml(deployment),
    toYaml(service),
  ]);
}

/**
 * The entry points as traffic: one `thespian load` container per entry point, in one Deployment.
 * Scale it to 0 to stop the traffic: kubectl scale deployment/NAME --replicas 0.
 */
function trafficFile(traffic: TrafficPlan, settings: Settings, header: string[]): string {
  const labels = { 'app.kubernetes.io/name': traffic.name, ...commonLabels(settings.partOf), 'app.kubernetes.io/component': 'traffic' };
  const selector = { 'app.kubernetes.io/name': traffic.name, 'app.kubernetes.io/part-of': settings.partOf };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: traffic.name, ...withNamespace(settings.namespace), labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          containers: traffic.generators.map((generator) => ({
            name: generator.container,
            image: settings.image,
            imagePullPolicy: 'IfNotPresent',
            args: [...generator.args],
            resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            securityContext: containerSecurityContext(),
          })),
        },
      },
    },
  };
  return toYaml(deployment, {
    header: [
      ...header,
      '',
      `Traffic to the entry points: ${traffic.generators.map((g) => g.description).join(', ')}.`,
      'Each container runs `thespian load` for an hour, logs its summary, and is started again.',
      `Stop it: kubectl${settings.namespace ? ` -n ${settings.namespace}` : ''} scale deployment/${traffic.name} --replicas 0`,
    ],
  });
}

function podSecurityContext(): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } };
}

/** The instance writes nothing but to /tmp and needs no privilege at all. */
function containerSecurityContext(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

function commonLabels(partOf: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': partOf, 'app.kubernetes.io/managed-by': 'thespian-render' };
}

function withNamespace(namespace: string): { namespace?: string } {
  return namespace === '' ? {} : { namespace };
}
