// `thespian render k8s --mesh ...` as a user runs it: the built CLI writes a directory, and the
// files read back from it carry what each mesh needs (and the plain render none of it). What
// "needs" means is the meshes' own rules, written down here from their sources (docs/deploy.md
// names the files and tags), so that a render that would leave Linkerd seeing TCP fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';
import { modelFor, parseYamlDocuments, type Loose } from './render-helpers';

const thespian = (...args: string[]) => runToExit({}, args, 30_000);

interface Rendered {
  files: string[];
  objects: Loose[];
  namespace: Loose;
  services: Loose[];
  /** Every Deployment's pod template: the Thespians', the traffic's and the collector's. */
  pods: Loose[];
  /** The Thespians' Services and pods alone (not the collector's). */
  thespianServices: Loose[];
  thespianPods: Loose[];
  /** The collector component's Service port for OTLP/gRPC. */
  collectorGrpcPort: Loose;
}

const COLLECTOR = 'otel-collector';
const nameOf = (object: Loose): string => object.metadata.labels['app.kubernetes.io/name'];

async function renderWith(...flags: string[]): Promise<Rendered> {
  const dir = join(mkdtempSync(join(tmpdir(), 'render-mesh-')), 'k8s');
  const result = await thespian('render', 'k8s', 'example_configs/ecosystem.jsonc', '-o', dir, ...flags);
  assert.equal(result.code, 0, result.stderr);
  const files = result.stdout.trim().split('\n');
  const objects = appliedObjects(dir);
  const ofKind = (kind: string) => objects.filter((o: Loose) => o.kind === kind);
  const services = ofKind('Service');
  const pods = ofKind('Deployment').map((d: Loose) => d.spec.template);
  const collectorService = services.find((service: Loose) => nameOf(service) === COLLECTOR);
  assert.ok(collectorService, 'kubectl apply -k of the rendered folder includes the collector component');
  return {
    files: files.map((path) => path.slice(dir.length + 1)),
    objects,
    namespace: ofKind('Namespace')[0],
    services,
    pods,
    thespianServices: services.filter((service: Loose) => nameOf(service) !== COLLECTOR),
    thespianPods: pods.filter((pod: Loose) => nameOf(pod) !== COLLECTOR),
    collectorGrpcPort: collectorService.spec.ports.find((port: Loose) => port.port === 4317),
  };
}

/** What `kubectl apply -k DIR` creates (before patches): DIR's resources and, folder by folder, its bases' and components'. */
function appliedObjects(dir: string): Loose[] {
  const [kustomization] = parseYamlDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), join(dir, 'kustomization.yaml'));
  const entries = [...((kustomization.resources as string[]) ?? []), ...((kustomization.components as string[]) ?? [])];
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? appliedObjects(path) : parseYamlDocuments(readFileSync(path, 'utf8'), path);
  });
}

/** Linkerd's proxy.opaquePorts default (charts/linkerd-control-plane/values.yaml, version-2.20). */
const LINKERD_DEFAULT_OPAQUE = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];

/** A `config.linkerd.io/opaque-ports` value as Linkerd reads it: ports and ranges, comma-separated. */
function portsIn(list: string): Set<number> {
  const ports = new Set<number>();
  for (const part of list.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [low, high = low] = part.split('-').map(Number);
    assert.ok(Number.isInteger(low) && Number.isInteger(high) && low <= high, `not a port or range: "${part}"`);
    for (let port = low; port <= high; port++) ports.add(port);
  }
  return ports;
}

/**
 * Whether Linkerd 2.20 carries a Service port as opaque TCP, calling it: the appProtocol decides
 * when set (http and kubernetes.io/h2c are HTTP; linkerd.io/opaque, linkerd.io/tcp and any other
 * value are opaque: policy-controller/core/src/outbound.rs and grpc/src/outbound.rs); unset, the
 * Service's opaque-ports annotation, or the default list without one (outbound/index.rs).
 */
function linkerdCallsOpaque(service: Loose, port: Loose): boolean {
  if (port.appProtocol !== undefined) return !['http', 'kubernetes.io/h2c'].includes(port.appProtocol.toLowerCase());
  const annotation = service.metadata.annotations?.['config.linkerd.io/opaque-ports'];
  return (annotation === undefined ? new Set(LINKERD_DEFAULT_OPAQUE) : portsIn(annotation)).has(port.port);
}

/**
 * Whether a meshed pod's own proxy takes a port as opaque on the way in: the injector writes the
 * default list (filtered to the pod's ports) unless the pod has the annotation already
 * (controller/proxy-injector/webhook.go), and the policy controller reads the annotation.
 */
function linkerdServesOpaque(pod: Loose, containerPort: number): boolean {
  const annotation = pod.metadata.annotations?.['config.linkerd.io/opaque-ports'];
  return (annotation === undefined ? new Set(LINKERD_DEFAULT_OPAQUE) : portsIn(annotation)).has(containerPort);
}

function containerPorts(pod: Loose): number[] {
  return pod.spec.containers.flatMap((c: Loose) => (c.ports ?? []).map((p: Loose) => p.containerPort));
}

/** Every annotation and label key on every object, for "no mesh's keys here". */
function meshKeys(objects: Loose[]): string[] {
  const keys = objects.flatMap((o: Loose) => [o.metadata, o.spec?.template?.metadata].filter(Boolean).flatMap((m: Loose) => [...Object.keys(m.labels ?? {}), ...Object.keys(m.annotations ?? {})]));
  return [...new Set(keys.filter((key) => /linkerd|istio/.test(key)))];
}

async function assertValid(objects: Loose[]): Promise<void> {
  for (const object of objects) {
    const Model = await modelFor(object.apiVersion, object.kind);
    assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata?.name}`);
  }
}

test('--mesh none (the default) renders no mesh marks, and Linkerd would carry its gRPC as TCP', async () => {
  const plain = await renderWith();
  const none = await renderWith('--mesh', 'none');
  assert.deepEqual(none.objects, plain.objects, '--mesh none is the default');
  assert.deepEqual(meshKeys(plain.objects), []);
  assert.equal(plain.collectorGrpcPort.appProtocol, 'grpc', 'the collector takes OTLP over gRPC');
  for (const service of plain.thespianServices) {
    const [port] = service.spec.ports;
    assert.deepEqual([port.name, port.appProtocol], ['grpc', 'grpc'], `${service.metadata.name}: Istio reads the protocol from these`);
    // The trap the Linkerd render avoids: appProtocol grpc, and 6379, are each opaque to Linkerd.
    assert.ok(linkerdCallsOpaque(service, port), `${service.metadata.name}: the rule above no longer tells the plain render apart`);
  }
  await assertValid(plain.objects);
});

test('--mesh linkerd: the namespace is injected, and every call and every served port is gRPC to Linkerd, not opaque', async () => {
  const linkerd = await renderWith('--mesh', 'linkerd');
  assert.equal(linkerd.namespace.metadata.annotations['linkerd.io/inject'], 'enabled');
  assert.deepEqual(meshKeys(linkerd.objects).filter((key) => key.includes('istio')), []);
  assert.ok(linkerd.services.length > 0);
  for (const service of linkerd.services) {
    for (const port of service.spec.ports) {
      if (nameOf(service) !== COLLECTOR) assert.equal(port.name, 'grpc');
      assert.equal(linkerdCallsOpaque(service, port), false, `${service.metadata.name}:${port.port} is opaque to Linkerd`);
      // The annotation too, for whatever reads the Service without its appProtocol (the destination controller).
      assert.equal(portsIn(service.metadata.annotations['config.linkerd.io/opaque-ports']).has(port.port), false);
    }
  }
  for (const pod of linkerd.pods) {
    for (const port of containerPorts(pod)) assert.equal(linkerdServesOpaque(pod, port), false, `${pod.metadata.labels['app.kubernetes.io/name']}: port ${port} is opaque inbound`);
    // Still a replacement for Linkerd's list, not an empty one: its other defaults stay.
    assert.deepEqual([...portsIn(pod.metadata.annotations['config.linkerd.io/opaque-ports'])], LINKERD_DEFAULT_OPAQUE.filter((p) => p !== 6379));
    assert.equal(pod.metadata.annotations['config.linkerd.io/proxy-enable-native-sidecar'], 'true');
  }
  // The traffic's pod is meshed too: its calls are the first hop Linkerd balances.
  assert.ok(linkerd.pods.some((pod: Loose) => pod.metadata.labels['app.kubernetes.io/component'] === 'traffic'));
  await assertValid(linkerd.objects);
});

test('--mesh istio: sidecar mode by default (injection label, native sidecars), ambient on request (dataplane label only)', async () => {
  const sidecar = await renderWith('--mesh', 'istio');
  const explicit = await renderWith('--mesh', 'istio', '--istio-mode', 'sidecar');
  assert.deepEqual(explicit.objects, sidecar.objects, 'sidecar is the default mode');
  assert.equal(sidecar.namespace.metadata.labels['istio-injection'], 'enabled');
  assert.equal(sidecar.namespace.metadata.labels['istio.io/dataplane-mode'], undefined);
  for (const pod of sidecar.pods) assert.equal(pod.metadata.annotations['sidecar.istio.io/nativeSidecar'], 'true');

  const ambient = await renderWith('--mesh', 'istio', '--istio-mode', 'ambient');
  assert.equal(ambient.namespace.metadata.labels['istio.io/dataplane-mode'], 'ambient');
  assert.deepEqual(meshKeys(ambient.objects), ['istio.io/dataplane-mode'], 'ambient changes nothing in the pods');

  for (const rendered of [sidecar, ambient]) {
    assert.deepEqual(meshKeys(rendered.objects).filter((key) => key.includes('linkerd')), []);
    // Istio takes appProtocol first, then the port name's prefix: both say gRPC.
    for (const service of rendered.thespianServices) assert.deepEqual(service.spec.ports.map((p: Loose) => [p.name, p.appProtocol]), [['grpc', 'grpc']]);
    assert.equal(rendered.collectorGrpcPort.appProtocol, 'grpc');
    // Probes stay the kubelet's own gRPC probes: the sidecar injector rewrites them to its agent.
    for (const pod of rendered.thespianPods.filter((p: Loose) => containerPorts(p).length > 0)) assert.ok(pod.spec.containers[0].readinessProbe.grpc);
    await assertValid(rendered.objects);
  }
});

test('every mesh renders the same files; only the marks differ', async () => {
  const lists = await Promise.all([[], ['--mesh', 'linkerd'], ['--mesh', 'istio', '--istio-mode', 'ambient']].map(async (flags) => (await renderWith(...flags)).files));
  assert.deepEqual(lists[1], lists[0]);
  assert.deepEqual(lists[2], lists[0]);
});

test('mesh flags that make no sense exit 2, one line per problem, and write nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-mesh-bad-'));
  const cases: [string[], RegExp[]][] = [
    [['k8s', '--mesh', 'consul'], [/^thespian render: --mesh must be one of none, linkerd, istio \(got "consul"\)$/m]],
    [['k8s', '--istio-mode', 'ambient'], [/^thespian render: --istio-mode needs --mesh istio$/m]],
    [['k8s', '--mesh', 'linkerd', '--istio-mode', 'sidecar'], [/--istio-mode needs --mesh istio/]],
    [['k8s', '--mesh', 'istio', '--istio-mode', 'waypoint'], [/--istio-mode must be one of sidecar, ambient \(got "waypoint"\)/]],
    [['k8s', '--mesh', 'linkerd', '--namespace', ''], [/--mesh linkerd needs a namespace to mark/]],
    [['compose', '--mesh', 'linkerd'], [/^thespian render: --mesh applies to k8s, not compose$/m]],
    // Everything wrong at once: each its own line.
    [['ecs', '--mesh', 'consul', '--istio-mode', 'x'], [/^.*--mesh applies to k8s, not ecs$/m, /^--istio-mode applies to k8s, not ecs$/m, /^--mesh must be one of/m, /^--istio-mode must be one of/m, /^--istio-mode needs --mesh istio$/m]],
  ];
  for (const [args, messages] of cases) {
    const result = await thespian('render', ...args, '-o', join(dir, 'out'));
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}\n${result.stderr}`);
    for (const message of messages) assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(' ')}: a stack trace`);
    assert.equal(result.stdout, '', `${args.join(' ')} wrote something`);
  }
});
