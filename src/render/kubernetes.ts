import { CONTAINER_PORT } from './instance-runtime';
import { annotationsOf, meshMarks } from './kubernetes-mesh';
import { InstrumentationStack } from './instrumentation-stack';
import { COLLECTOR_DIR, collectorComponentFiles } from './kubernetes-collector';
import { lokiOtlpBase, type CollectorRoutes } from './kubernetes-collector-config';
import { demoOverlayFiles } from './kubernetes-demo';
import { commonLabels, TELEMETRY_CONFIG, withNamespace, type KubernetesSettings } from './kubernetes-objects';
import { serviceFile } from './kubernetes-service-file';
import { trafficFile } from './kubernetes-traffic-file';
import { toDnsLabel, toLabelValue } from './naming';
import { planServices } from './planned-service';
import { provenance, type RenderContext } from './render-context';
import type { RenderOptions } from './render-options';
import type { RenderedFile, RenderOutput } from './rendered-file';
import { trafficPlan } from './traffic-plan';
import { toYaml, yamlStream } from './yaml-text';

/** The ecosystem's own kustomization and objects, relative to the rendered folder. */
const BASE_DIR = 'base';
/** Where a kind or minikube cluster finds an image loaded with `kind load docker-image thespian:local`. */
const DEFAULT_IMAGE = 'thespian:local';
/**
 * An OTLP receiver in the cluster, where the collector (or, without it, every thespian) sends
 * traces; docs/deploy.md starts a Jaeger 2 there in three commands, and the demo overlay brings
 * its own Tempo instead. Any other backend: --otlp-endpoint, or edit the ConfigMaps.
 */
const DEFAULT_OTLP_ENDPOINT = 'http://jaeger.observability:4317';
/** Logs go to stdout, where the cluster's log collector finds them; Loki push is opt-in. */
const DEFAULT_LOKI_ADDRESS = '';

/**
 * A Deployment, a Service and a behaviour ConfigMap per Thespian, a shared ConfigMap with the
 * telemetry endpoints, an optional Namespace, and a kustomization.yaml listing them; beside them
 * collector/, a kustomize Component with an OpenTelemetry Collector that the kustomization
 * includes, and demo/, an overlay that adds Tempo, Loki, Prometheus and Grafana.
 *
 * Callers reach a service by its Service name alone (NAME:6379): every Service sits in the
 * callers' own namespace, and a pod's DNS search path tries NAME.<its namespace>.svc.<domain>
 * first, so the short name resolves on the first query, keeps working when kustomize or
 * `kubectl -n` moves everything to another namespace, and needs no cluster domain. (A dotted
 * NAME.NS.svc.cluster.local has fewer dots than ndots:5 and is tried against every search
 * domain first.) --cluster-domain asks for fully qualified names instead. --mesh adds the
 * marks a service mesh needs (kubernetes-mesh.ts) to the Namespace, Services and pod templates.
 */
export function renderKubernetes(context: RenderContext): RenderOutput {
  const { topology, options } = context;
  const namespace = options.namespace ?? toDnsLabel(topology.name, 'thespian');
  const domain = options.clusterDomain;
  const hostOf = (service: string) => (domain ? `${service}.${namespace}.svc.${domain}` : service);
  const planned = planServices(topology, (target) => ({ address: hostOf(target.name), port: CONTAINER_PORT }));
  const settings: KubernetesSettings = { namespace, partOf: toLabelValue(topology.name) || 'thespian', image: options.image ?? DEFAULT_IMAGE, mesh: meshMarks(options), adminTokenSecret: options.adminTokenSecret };
  const header = provenance('k8s', context);

  const files: RenderedFile[] = [];
  if (namespace !== '') files.push({ path: 'namespace.yaml', content: namespaceFile(settings, header) });
  files.push({ path: 'telemetry.yaml', content: telemetryFile(options, settings, header) });
  for (const plan of planned) files.push({ path: `${plan.service.name}.yaml`, content: serviceFile(plan, settings, topology, header) });
  const traffic = trafficPlan(topology, hostOf);
  if (traffic) files.push({ path: 'traffic.yaml', content: trafficFile(traffic, settings, header) });
  // The stream is every object of the base; the collector needs kustomize (its patch), so -k only.
  const stdout = yamlStream(files.map((file) => file.content));
  const base = [{ path: 'kustomization.yaml', content: baseKustomizationFile(files, settings, header) }, ...files].map((file) => ({ ...file, path: `${BASE_DIR}/${file.path}` }));
  const stack = new InstrumentationStack();
  const collector = collectorComponentFiles(collectorRoutes(options), settings, stack, header);
  const demo = demoOverlayFiles(BASE_DIR, settings, stack, header);
  return { files: [{ path: 'kustomization.yaml', content: topKustomizationFile(header) }, ...base, ...collector, ...demo], stdout };
}

/** The collector forwards traces to --otlp-endpoint and logs to Loki's OTLP endpoint; metrics wait to be scraped. */
function collectorRoutes(options: RenderOptions): CollectorRoutes {
  const loki = options.lokiAddress ?? DEFAULT_LOKI_ADDRESS;
  return { traces: options.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT, logs: loki === '' ? undefined : lokiOtlpBase(loki) };
}

function namespaceFile(settings: KubernetesSettings, header: readonly string[]): string {
  const { mesh } = settings;
  const metadata = { name: settings.namespace, labels: { ...commonLabels(settings.partOf), ...mesh.namespaceLabels }, ...annotationsOf(mesh.namespaceAnnotations) };
  const marked = Object.keys(mesh.namespaceLabels).length + Object.keys(mesh.namespaceAnnotations).length > 0;
  return toYaml(
    { apiVersion: 'v1', kind: 'Namespace', metadata },
    {
      header: [
        ...header,
        '',
        marked
          ? `Marked for ${mesh.title}: its data plane joins the pods started here (docs/deploy.md, "With a service mesh").`
          : 'For a service mesh, render with --mesh linkerd or --mesh istio: marking this namespace by hand is not enough for Linkerd (docs/deploy.md).',
      ],
    },
  );
}

/** Where every Thespian sends its telemetry, in one ConfigMap that their pods read as environment. */
function telemetryFile(options: RenderOptions, settings: KubernetesSettings, header: readonly string[]): string {
  return toYaml(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: TELEMETRY_CONFIG, ...withNamespace(settings.namespace), labels: commonLabels(settings.partOf) },
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
        'Pods read it at start: after a change, `kubectl rollout restart deployment -l app.kubernetes.io/part-of=' + settings.partOf + '`.',
      ],
    },
  );
}

/** The ecosystem alone: the thespians, their ConfigMaps and the traffic, sending straight to --otlp-endpoint. */
function baseKustomizationFile(files: readonly RenderedFile[], settings: KubernetesSettings, header: readonly string[]): string {
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...withNamespace(settings.namespace),
    resources: files.map((file) => file.path),
  };
  return toYaml(kustomization, { header: [...header, '', 'The ecosystem without the collector: kubectl apply -k THIS_DIRECTORY'] });
}

/**
 * What `kubectl apply -k` of the rendered folder applies: the base and the collector. The base sits
 * in a folder of its own because kustomize refuses an overlay inside its base's folder ("cycle
 * detected"), and demo/ must reach the base without that.
 */
function topKustomizationFile(header: readonly string[]): string {
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [BASE_DIR],
    components: [COLLECTOR_DIR],
  };
  return toYaml(kustomization, {
    header: [
      ...header,
      '',
      'kubectl apply -k THIS_DIRECTORY         # the ecosystem (base/) and its OpenTelemetry Collector (collector/)',
      'kubectl apply -k THIS_DIRECTORY/demo    # ... with Tempo, Loki, Prometheus and Grafana beside them',
    ],
    comments: [{ path: ['components'], lines: ['Delete this to leave the collector out: the thespians then send traces straight to the endpoint in base/telemetry.yaml.'] }],
  });
}
