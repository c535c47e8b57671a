import { IMAGE_UID } from './instance-runtime';
import type { MeshMarks } from './kubernetes-mesh';

/** What every Kubernetes object of one rendering shares. */
export interface KubernetesSettings {
  /** "" for none: the objects then go wherever `kubectl -n` or kustomize puts them. */
  readonly namespace: string;
  /** app.kubernetes.io/part-of: the topology, as a label value. */
  readonly partOf: string;
  readonly image: string;
  /** What the chosen service mesh (or none) needs on the objects. */
  readonly mesh: MeshMarks;
  /** The Secret holding the admin token (key "token"), or undefined for the admin API off. */
  readonly adminTokenSecret?: string;
}

/** The ConfigMap with the telemetry endpoints, which every Thespian reads its environment from. */
export const TELEMETRY_CONFIG = 'thespian-telemetry';

export function commonLabels(partOf: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': partOf, 'app.kubernetes.io/managed-by': 'thespian-render' };
}

/** The labels a workload's pods are selected by: its name within the topology. */
export function selectorOf(name: string, settings: KubernetesSettings): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': settings.partOf };
}

export function withNamespace(namespace: string): { namespace?: string } {
  return namespace === '' ? {} : { namespace };
}

/** Pod settings every workload here shares: no API token, no service links, not root. */
export function hardenedPod(): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    // Service links would add FOO_PORT=tcp://... variables for every Service in the namespace.
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/** The instance writes nothing but to /tmp and needs no privilege at all. */
export function containerSecurityContext(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

/** `kubectl -n NAMESPACE`, or plain `kubectl` when there is no namespace. */
export function kubectlIn(settings: KubernetesSettings): string {
  return `kubectl${settings.namespace ? ` -n ${settings.namespace}` : ''}`;
}
