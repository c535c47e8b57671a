import type { RenderOptions } from './render-options';

/**
 * What one service mesh needs on the rendered objects so that it injects its data plane and sees
 * our traffic as gRPC. Every key and value here was read in the mesh's own source at the tag
 * named beside it (docs/deploy.md, "With a service mesh", says the same for users).
 */
export interface MeshMarks {
  /** For the notes in the rendered files: "Linkerd", "Istio (sidecar)". */
  readonly title: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly namespaceAnnotations: Readonly<Record<string, string>>;
  /** On every pod template: the Thespians' and the traffic's. */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** On every Thespian's Service. */
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  /** The Service port's appProtocol: what the mesh reads the protocol from. */
  readonly appProtocol: string;
}

/**
 * Istio reads `appProtocol: grpc` as gRPC (pkg/config/kube/conversion.go, ConvertProtocol, at
 * 1.30.3), and Kubernetes itself leaves the field to implementations; so does the plain render.
 */
const GRPC_APP_PROTOCOL = 'grpc';

/**
 * Linkerd's default opaque ports (charts/linkerd-control-plane/values.yaml, proxy.opaquePorts,
 * at version-2.20) without 6379, Redis's port and ours. The annotation replaces the default list
 * rather than editing it, so the rest of the list stays as Linkerd ships it.
 */
const LINKERD_OPAQUE_PORTS = '25,587,3306,4444,5432,9300,11211';

const PLAIN: MeshMarks = { title: 'no mesh', namespaceLabels: {}, namespaceAnnotations: {}, podAnnotations: {}, serviceAnnotations: {}, appProtocol: GRPC_APP_PROTOCOL };

/**
 * Linkerd (version-2.20). Our port 6379 is in Linkerd's default opaque list, so without help its
 * proxies would carry our gRPC as plain TCP:
 * - inbound, the injector writes the default list, filtered to the pod's ports, into the pod's
 *   `config.linkerd.io/opaque-ports` unless the pod already has that annotation
 *   (controller/proxy-injector/webhook.go), and the policy controller reads the pod's annotation
 *   (policy-controller/k8s/index/src/inbound/workload.rs);
 * - outbound, both the destination controller (controller/api/destination/watcher/
 *   opaque_ports_watcher.go) and the policy controller (policy-controller/k8s/index/src/outbound/
 *   index.rs) take a Service without the annotation to have the default list.
 * So both the pod and the Service carry the annotation. And `appProtocol: grpc` is no help:
 * Linkerd knows only http, kubernetes.io/h2c, linkerd.io/opaque and linkerd.io/tcp, and treats
 * any other value as opaque (policy-controller/core/src/outbound.rs, AppProtocol::from_str, and
 * policy-controller/grpc/src/outbound.rs), so the port says HTTP/2 in the Kubernetes spelling.
 * Native sidecars (on by default since 2.20; the annotation keeps it so where the install turned
 * them off) start the proxy before the instance and stop it after the instance has drained.
 */
const LINKERD: MeshMarks = {
  title: 'Linkerd',
  namespaceLabels: {},
  namespaceAnnotations: { 'linkerd.io/inject': 'enabled' },
  podAnnotations: { 'config.linkerd.io/opaque-ports': LINKERD_OPAQUE_PORTS, 'config.linkerd.io/proxy-enable-native-sidecar': 'true' },
  serviceAnnotations: { 'config.linkerd.io/opaque-ports': LINKERD_OPAQUE_PORTS },
  appProtocol: 'kubernetes.io/h2c',
};

/**
 * Istio sidecar mode (1.30.3): the namespace label the default injection webhook selects on
 * (manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml). The pod
 * annotation asks for a native sidecar whatever ENABLE_NATIVE_SIDECARS says (pkg/kube/inject/
 * inject.go; its default, "auto", turns them on only when every node runs Kubernetes 1.33 or
 * newer): Envoy then starts before the instance and outlives its drain.
 */
const ISTIO_SIDECAR: MeshMarks = {
  title: 'Istio (sidecar)',
  namespaceLabels: { 'istio-injection': 'enabled' },
  namespaceAnnotations: {},
  podAnnotations: { 'sidecar.istio.io/nativeSidecar': 'true' },
  serviceAnnotations: {},
  appProtocol: GRPC_APP_PROTOCOL,
};

/** Istio ambient mode (1.30.3): ztunnel takes the namespace's pods; nothing changes in the pods. */
const ISTIO_AMBIENT: MeshMarks = {
  title: 'Istio (ambient)',
  namespaceLabels: { 'istio.io/dataplane-mode': 'ambient' },
  namespaceAnnotations: {},
  podAnnotations: {},
  serviceAnnotations: {},
  appProtocol: GRPC_APP_PROTOCOL,
};

/** The marks for the options' mesh (checked already by checkRenderOptions). */
export function meshMarks(options: RenderOptions): MeshMarks {
  switch (options.mesh ?? 'none') {
    case 'none':
      return PLAIN;
    case 'linkerd':
      return LINKERD;
    case 'istio':
      return options.istioMode === 'ambient' ? ISTIO_AMBIENT : ISTIO_SIDECAR;
  }
}

/** `{}` stays out of the YAML: an object gets its annotations only when there are some. */
export function annotationsOf(annotations: Readonly<Record<string, string>>): { annotations?: Record<string, string> } {
  return Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } };
}
