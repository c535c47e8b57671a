import { createHash } from 'node:crypto';
import type { Topology } from '../topology';
import { CONTAINER_PORT, DRAIN_GRACE_MS, PORT_NAME, PRE_STOP_SLEEP_S, SERVE_ARGS, STOP_TIMEOUT_S } from './instance-runtime';
import { annotationsOf } from './kubernetes-mesh';
import {
  commonLabels,
  containerSecurityContext,
  hardenedPod,
  kubectlIn,
  selectorOf,
  TELEMETRY_CONFIG,
  withNamespace,
  type KubernetesSettings,
} from './kubernetes-objects';
import type { PlannedService } from './planned-service';
import { summaryOf } from './render-context';
import { toYaml, yamlStream } from './yaml-text';

const BEHAVIOUR_FILE = 'behaviour.json';
const BEHAVIOUR_DIR = '/etc/thespian';
const CONTAINER_NAME = 'thespian';
/** The key of --admin-token-secret's Secret that holds the token. */
const ADMIN_TOKEN_KEY = 'token';

/** One Thespian's file: its behaviour ConfigMap, its Deployment and its Service. */
export function serviceFile(plan: PlannedService, settings: KubernetesSettings, topology: Topology, header: readonly string[]): string {
  const name = plan.service.name;
  const behaviourText = `${JSON.stringify(plan.behaviour, null, 2)}\n`;
  const about = [
    '',
    summaryOf(plan, topology),
    `From your machine: ${kubectlIn(settings)} port-forward service/${name} ${plan.service.port}:${CONTAINER_PORT}`,
  ];
  return yamlStream([
    toYaml(behaviourConfigMap(name, behaviourText, settings), { header: [...header, ...about], blockLiterals: [['data', BEHAVIOUR_FILE]] }),
    toYaml(deployment(plan, behaviourText, settings)),
    toYaml(clusterService(name, settings)),
  ]);
}

function behaviourConfigName(name: string): string {
  return `${name}-behaviour`;
}

function labelsOf(name: string, settings: KubernetesSettings): Record<string, string> {
  return { 'app.kubernetes.io/name': name, ...commonLabels(settings.partOf) };
}

/** The metadata of each of a Thespian's objects: named `objectName`, labelled with the Thespian's name. */
function metadataOf(objectName: string, name: string, settings: KubernetesSettings): Record<string, unknown> {
  return { name: objectName, ...withNamespace(settings.namespace), labels: labelsOf(name, settings) };
}

function behaviourConfigMap(name: string, behaviourText: string, settings: KubernetesSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadataOf(behaviourConfigName(name), name, settings),
    data: { [BEHAVIOUR_FILE]: behaviourText },
  };
}

function deployment(plan: PlannedService, behaviourText: string, settings: KubernetesSettings): Record<string, unknown> {
  const name = plan.service.name;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataOf(name, name, settings),
    spec: {
      replicas: plan.service.replicas,
      selector: { matchLabels: selectorOf(name, settings) },
      template: {
        metadata: {
          labels: labelsOf(name, settings),
          // The instance reads its behaviour once, at start: a changed behaviour must roll the pods.
          annotations: { 'checksum/behaviour': createHash('sha256').update(behaviourText).digest('hex'), ...settings.mesh.podAnnotations },
        },
        spec: {
          // Preferred over the default 30 s by being computed: preStop, drain, span and log flush.
          terminationGracePeriodSeconds: PRE_STOP_SLEEP_S + STOP_TIMEOUT_S,
          ...hardenedPod(),
          containers: [instanceContainer(name, settings)],
          volumes: [
            { name: 'behaviour', configMap: { name: behaviourConfigName(name) } },
            // The root filesystem is read-only; Node and its libraries may still want a scratch /tmp.
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

function instanceContainer(name: string, settings: KubernetesSettings): Record<string, unknown> {
  return {
    name: CONTAINER_NAME,
    image: settings.image,
    imagePullPolicy: 'IfNotPresent',
    args: [...SERVE_ARGS],
    ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: 'TCP' }],
    env: instanceEnvironment(name, settings),
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
  };
}

/** Its settings, and the pod's own names for the resource attributes of its spans. */
function instanceEnvironment(name: string, settings: KubernetesSettings): Record<string, unknown>[] {
  return [
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
    // The token is read from the Secret by the kubelet, so it appears in no rendered file.
    ...(settings.adminTokenSecret === undefined
      ? []
      : [{ name: 'THESPIAN_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: settings.adminTokenSecret, key: ADMIN_TOKEN_KEY } } }]),
  ];
}

/** The name callers use: a ClusterIP Service in front of the pods. */
function clusterService(name: string, settings: KubernetesSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...metadataOf(name, name, settings), ...annotationsOf(settings.mesh.serviceAnnotations) },
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(name, settings),
      // Named "grpc", with the appProtocol the mesh reads as gRPC or HTTP/2 (kubernetes-mesh.ts says why they differ).
      ports: [{ name: PORT_NAME, port: CONTAINER_PORT, targetPort: PORT_NAME, protocol: 'TCP', appProtocol: settings.mesh.appProtocol }],
    },
  };
}
