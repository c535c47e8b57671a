// The telemetry that `render k8s` puts inside the cluster: the collector Component (collector/)
// and the demo overlay (demo/). Checked as kustomize and the collector would read them: parsed
// YAML, the kustomizations walked file by file, the collector's pipelines against its own
// components, and every address the demo's configs name against the demo's Services. When
// kubectl is on PATH, `kubectl kustomize` builds both folders for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { runToExit } from '../support/instance-process';
import { exporterEndpoints, hostAndPort, processorOrder, undefinedComponents, unusedComponents } from '../instrumentation/pipeline-checks';
import {
  AWKWARD,
  bundled,
  kustomizationAt,
  kustomizePatches,
  kustomizeResources,
  parseYamlDocuments,
  render,
  topologyFrom,
  type Loose,
} from './render-helpers';
import type { RenderOptions, RenderOutput } from '../../src/render';

const ROOT = join(__dirname, '..', '..');
const COMPOSE_STACK = parse(readFileSync(join(ROOT, 'instrumentation', 'docker-compose.yaml'), 'utf8'));

function find(objects: Loose[], kind: string, name: string): Loose {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  assert.equal(found.length, 1, `${kind} ${name}: ${found.length} found`);
  return found[0];
}

/** The collector's own configuration, from the ConfigMap its Deployment mounts. */
function collectorConfigIn(objects: Loose[]): Loose {
  const deployment = find(objects, 'Deployment', 'otel-collector');
  const [volume] = deployment.spec.template.spec.volumes;
  const configMap = find(objects, 'ConfigMap', volume.configMap.name);
  return parseYamlDocuments(configMap.data['config.yaml'], 'collector config')[0];
}

/** The objects after the patches of DIR: a small strategic merge, enough for maps of scalars (data, annotations). */
function applied(output: RenderOutput, dir: string): Loose[] {
  const objects = structuredClone(kustomizeResources(output, dir));
  const merge = (target: Loose, patch: Loose): void => {
    for (const [key, value] of Object.entries<Loose>(patch)) {
      if (value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object') merge(target[key], value);
      else target[key] = value;
    }
  };
  for (const [, patch] of kustomizePatches(output, dir)) merge(find(objects, patch.kind, patch.metadata.name), patch);
  return objects;
}

/** "http://tempo:3200" names a Service tempo with port 3200 among `objects`; one problem line otherwise. */
function unreachable(where: string, address: string, objects: Loose[]): string[] {
  const { host, port } = hostAndPort(address);
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === host);
  if (!service) return [`${where}: ${address}: no Service ${host}`];
  if (!service.spec.ports.some((p: Loose) => String(p.port) === port)) return [`${where}: ${address}: Service ${host} has no port ${port}`];
  return [];
}

test('the top kustomization is the base plus the collector Component; the demo overlay reaches both without a cycle', () => {
  const output = render('k8s', bundled());
  const top = kustomizationAt(output, '');
  assert.deepEqual(top.resources, ['base']);
  assert.deepEqual(top.components, ['collector']);
  const component = kustomizationAt(output, 'collector');
  assert.equal(component.kind, 'Component');
  assert.equal(component.apiVersion, 'kustomize.config.k8s.io/v1alpha1');
  const demo = kustomizationAt(output, 'demo');
  assert.equal(demo.kind, 'Kustomization');
  // kustomize refuses an overlay whose base folder contains it: ../base, never ../
  for (const entry of [...demo.resources, ...demo.components]) assert.notEqual(entry.replace(/\/$/, ''), '..');

  // Every file every kustomization names exists (the walk fails otherwise) ...
  for (const dir of ['', 'base', 'collector', 'demo']) {
    assert.ok(kustomizeResources(output, dir).length > 0);
    kustomizePatches(output, dir);
  }
  // ... and the walk does fail on a missing one.
  const missing = { ...output, files: output.files.filter((file) => file.path !== 'collector/otel-collector.yaml') };
  assert.throws(() => kustomizeResources(missing, ''), /names otel-collector\.yaml: no such rendered file/);
  const noPatch = { ...output, files: output.files.filter((file) => file.path !== 'collector/telemetry-patch.yaml') };
  assert.throws(() => kustomizePatches(noPatch, ''), /telemetry-patch\.yaml: no such rendered file/);
});

for (const [label, options] of [
  ['default options', {}],
  ['another namespace, an OTLP endpoint and Loki', { namespace: 'lab', otlpEndpoint: 'https://otlp.example.com:4317', lokiAddress: 'http://loki.logging:3100/' }],
  ['no namespace', { namespace: '' }],
] as [string, RenderOptions][]) {
  test(`${label}: every patch targets an object its kustomization has (same kind, name and namespace)`, () => {
    const output = render('k8s', topologyFrom(AWKWARD), options);
    for (const dir of ['', 'demo']) {
      const objects = kustomizeResources(output, dir);
      const patches = kustomizePatches(output, dir);
      assert.ok(patches.some(([, patch]) => patch.kind === 'ConfigMap' && patch.metadata.name === 'thespian-telemetry'), `${dir || 'top'}: no telemetry patch`);
      for (const [from, patch] of patches) {
        const target = find(objects, patch.kind, patch.metadata.name);
        assert.equal(patch.metadata.namespace, target.metadata.namespace, `${from}: ${patch.kind} ${patch.metadata.name}: namespace`);
        assert.equal(patch.apiVersion, target.apiVersion);
      }
    }
    // The telemetry ConfigMap the thespians read is the one patched.
    const thespian = kustomizeResources(output, 'base').find((o) => o.kind === 'Deployment');
    assert.deepEqual(thespian.spec.template.spec.containers[0].envFrom, [{ configMapRef: { name: 'thespian-telemetry' } }]);
  });

  test(`${label}: the collector's config is valid and routes each signal where render was told`, () => {
    const output = render('k8s', topologyFrom(AWKWARD), options);
    const objects = applied(output, '');
    const config = collectorConfigIn(objects);
    assert.deepEqual([...undefinedComponents(config), ...unusedComponents(config), ...processorOrder(config)], []);

    // Without the component the thespians send straight to --otlp-endpoint; with it, to the collector.
    const base = find(kustomizeResources(output, 'base'), 'ConfigMap', 'thespian-telemetry').data;
    const otlp = options.otlpEndpoint ?? 'http://jaeger.observability:4317';
    assert.equal(base.OTEL_BACKEND_ADDRESS, otlp);
    const telemetry = find(objects, 'ConfigMap', 'thespian-telemetry').data;
    assert.equal(telemetry.OTEL_BACKEND_ADDRESS, 'http://otel-collector:4317');
    assert.equal(telemetry.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4317');
    assert.equal(telemetry.OTEL_METRICS_EXPORTER, 'otlp');
    assert.equal(telemetry.LOKI_ADDRESS, '', 'logs take one path: never Loki push and OTLP both');

    const traces = config.exporters[config.service.pipelines.traces.exporters[0]];
    const url = new URL(otlp);
    assert.equal(traces.endpoint, `${url.hostname}:${url.port}`);
    assert.equal(traces.tls.insecure, url.protocol === 'http:');
    // Metrics wait at the prometheus exporter for the cluster's Prometheus; the Service exposes it.
    assert.deepEqual(config.service.pipelines.metrics.exporters, ['prometheus']);
    assert.deepEqual(unreachable('exporters.prometheus', `tcp://otel-collector:${hostAndPort(config.exporters.prometheus.endpoint).port}`, objects), []);
    if (options.lokiAddress) {
      assert.equal(config.exporters[config.service.pipelines.logs.exporters[0]].endpoint, 'http://loki.logging:3100/otlp');
      assert.equal(telemetry.OTEL_LOGS_EXPORTER, 'otlp');
    } else {
      assert.equal(config.service.pipelines.logs, undefined);
      assert.equal(telemetry.OTEL_LOGS_EXPORTER, 'none', 'no logs pipeline: the thespians keep logs on stdout');
    }
  });
}

test('the pipeline checks catch a broken collector config', () => {
  const config = collectorConfigIn(applied(render('k8s', bundled()), ''));
  const broken = structuredClone(config);
  delete broken.exporters['otlp_grpc/traces'];
  broken.service.pipelines.metrics.processors.reverse();
  broken.service.extensions = [];
  assert.match(undefinedComponents(broken).join('\n'), /otlp_grpc\/traces is not defined under exporters/);
  assert.match(processorOrder(broken).join('\n'), /memory_limiter must come first/);
  assert.match(unusedComponents(broken).join('\n'), /extensions\.health_check: defined but not in service\.extensions/);
});

test('the collector: the compose stack\'s image, OTLP on 4317/4318 behind Service otel-collector, ready when health_check says so, memory capped above memory_limiter', () => {
  const objects = applied(render('k8s', bundled()), '');
  const config = collectorConfigIn(objects);
  const deployment = find(objects, 'Deployment', 'otel-collector');
  const [container] = deployment.spec.template.spec.containers;
  assert.equal(container.image, COMPOSE_STACK.services['otel-collector'].image);
  assert.equal(container.image, 'otel/opentelemetry-collector-contrib:0.159.0');
  const service = find(objects, 'Service', 'otel-collector');
  for (const port of [4317, 4318]) assert.ok(service.spec.ports.some((p: Loose) => p.port === port), `Service otel-collector: no port ${port}`);
  for (const protocol of ['grpc', 'http']) assert.equal(hostAndPort(config.receivers.otlp.protocols[protocol].endpoint).host, '0.0.0.0');
  // The selector picks the collector's pods and only those.
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(deployment.spec.template.metadata.labels[key], value);

  const health = hostAndPort(config.extensions.health_check.endpoint);
  assert.equal(health.host, '0.0.0.0', 'the kubelet probes the pod IP');
  assert.equal(String(container.readinessProbe.httpGet.port), health.port);
  assert.equal(container.readinessProbe.httpGet.path, config.extensions.health_check.path ?? '/');
  // The config file the container is told to read is the one mounted.
  const [mount] = container.volumeMounts;
  assert.deepEqual(container.args, [`--config=${mount.mountPath}/config.yaml`]);

  const limitMib = config.processors.memory_limiter.limit_mib;
  assert.ok(/^\d+Mi$/.test(container.resources.limits.memory) && parseInt(container.resources.limits.memory, 10) > limitMib);
  assert.ok(parseInt(container.env.find((e: Loose) => e.name === 'GOMEMLIMIT').value, 10) < limitMib);
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.match(deployment.spec.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
});

test('the demo: its collector sends to its own tempo, prometheus and loki, and its rollout checksum follows its config', () => {
  const output = render('k8s', bundled());
  const objects = applied(output, 'demo');
  const config = collectorConfigIn(objects);
  assert.deepEqual([...undefinedComponents(config), ...unusedComponents(config), ...processorOrder(config)], []);
  const targets = Object.fromEntries(
    Object.entries<Loose>(config.service.pipelines).map(([signal, pipeline]) => [signal, hostAndPort(config.exporters[pipeline.exporters[0]].endpoint).host]),
  );
  assert.deepEqual(targets, { traces: 'tempo', metrics: 'prometheus', logs: 'loki' });
  assert.deepEqual(exporterEndpoints(config).flatMap(([where, endpoint]) => unreachable(where, endpoint, objects)), []);
  assert.equal(find(objects, 'ConfigMap', 'thespian-telemetry').data.OTEL_LOGS_EXPORTER, 'otlp');
  const base = applied(output, '');
  assert.notEqual(
    find(objects, 'Deployment', 'otel-collector').spec.template.metadata.annotations['checksum/config'],
    find(base, 'Deployment', 'otel-collector').spec.template.metadata.annotations['checksum/config'],
    'a different config must roll the pods',
  );
});

test("the demo: Grafana's datasources, Tempo's remote write and Prometheus's scrapes all name the demo's Services; images and configs are the compose stack's", () => {
  const objects = applied(render('k8s', bundled()), 'demo');
  const grafana = find(objects, 'Service', 'grafana');
  assert.ok(grafana.spec.ports.some((p: Loose) => p.port === 3000), 'the contract: Service grafana, port 3000');

  const datasources = parse(find(objects, 'ConfigMap', 'grafana-datasources').data['datasources.yaml']).datasources;
  assert.deepEqual(datasources.map((d: Loose) => d.uid).sort(), ['loki', 'prometheus', 'tempo']);
  const problems = datasources.flatMap((d: Loose) => unreachable(`datasource ${d.uid}`, d.url, objects));
  // Links between datasources keep pointing at uids that exist.
  const uids = new Set(datasources.map((d: Loose) => d.uid));
  for (const d of datasources) {
    for (const link of [d.jsonData?.tracesToLogsV2, d.jsonData?.tracesToMetrics, d.jsonData?.serviceMap, ...(d.jsonData?.derivedFields ?? [])]) {
      if (link?.datasourceUid && !uids.has(link.datasourceUid)) problems.push(`datasource ${d.uid} links to missing uid ${link.datasourceUid}`);
    }
  }
  const tempo = parse(find(objects, 'ConfigMap', 'tempo-config').data['tempo.yaml']);
  for (const write of tempo.metrics_generator.storage.remote_write) problems.push(...unreachable('tempo remote_write', write.url, objects));
  const prometheus = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yaml']);
  for (const job of prometheus.scrape_configs) {
    for (const target of job.static_configs.flatMap((c: Loose) => c.targets)) {
      if (!target.startsWith('localhost:')) problems.push(...unreachable(`prometheus job ${job.job_name}`, `tcp://${target}`, objects));
    }
  }
  assert.deepEqual(problems, []);

  // The check is not a no-op: a datasource at a Service that does not exist is caught.
  assert.deepEqual(unreachable('x', 'http://jaeger:16686', objects), ['x: http://jaeger:16686: no Service jaeger']);

  for (const name of ['tempo', 'loki', 'prometheus', 'grafana']) {
    const [container] = find(objects, 'Deployment', name).spec.template.spec.containers;
    assert.equal(container.image, COMPOSE_STACK.services[name].image, `${name}: not the compose stack's image`);
    assert.ok(container.resources.requests.memory && container.resources.limits.memory, `${name}: sized for kind`);
    assert.ok(container.readinessProbe.httpGet, `${name}: no readiness probe`);
  }
  // The dashboard is the repository's own file, byte for byte.
  const dashboard = find(objects, 'ConfigMap', 'grafana-dashboards').data['thespian-overview.json'];
  assert.equal(dashboard, readFileSync(join(ROOT, 'instrumentation', 'grafana', 'dashboards', 'thespian-overview.json'), 'utf8'));
});

test('the demo: every config file a backend is told to read, and the dashboards Grafana loads, are in a ConfigMap mounted there', () => {
  const objects = applied(render('k8s', bundled()), 'demo');
  /** path -> the ConfigMap key mounted at it, for one Deployment. */
  const mountedFiles = (name: string): Map<string, string> => {
    const pod = find(objects, 'Deployment', name).spec.template.spec;
    const files = new Map<string, string>();
    for (const mount of pod.containers[0].volumeMounts) {
      const volume = pod.volumes.find((v: Loose) => v.name === mount.name);
      if (!volume.configMap) continue;
      for (const [key, text] of Object.entries<string>(find(objects, 'ConfigMap', volume.configMap.name).data)) files.set(`${mount.mountPath}/${key}`, text);
    }
    return files;
  };
  for (const name of ['tempo', 'loki', 'prometheus', 'otel-collector']) {
    const args: string[] = find(objects, 'Deployment', name).spec.template.spec.containers[0].args;
    const configArg = args.find((arg) => /^--?config[.=]/.test(arg));
    assert.ok(configArg, `${name}: no config flag in ${args.join(' ')}`);
    const path = configArg.split('=')[1];
    assert.ok(mountedFiles(name).has(path), `${name} reads ${path}, which no mounted ConfigMap provides`);
  }
  const grafana = mountedFiles('grafana');
  const provider = parse(grafana.get('/etc/grafana/provisioning/dashboards/dashboards.yaml')!).providers[0];
  assert.ok([...grafana.keys()].some((path) => path.startsWith(`${provider.options.path}/`) && path.endsWith('.json')), `no dashboard under ${provider.options.path}`);
  assert.ok(grafana.has('/etc/grafana/provisioning/datasources/datasources.yaml'));
});

test('--loki-endpoint is --loki-address under the issue\'s name; giving both is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-loki-'));
  const result = await runToExit({}, ['render', 'k8s', '--loki-endpoint', 'http://loki.logging:3100', '-o', join(dir, 'out')], 30_000);
  assert.equal(result.code, 0, result.stderr);
  const expected = render('k8s', bundled(), { lokiAddress: 'http://loki.logging:3100' });
  for (const file of expected.files) assert.equal(readFileSync(join(dir, 'out', file.path), 'utf8'), file.content, file.path);
  const both = await runToExit({}, ['render', 'k8s', '--loki-endpoint', 'http://a:3100', '--loki-address', 'http://b:3100', '-o', join(dir, 'both')], 30_000);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--loki-address and --loki-endpoint are one option under two names/);
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
test('kubectl kustomize builds the rendered folder and its demo, patches applied', { skip: kubectl.status === 0 ? false : 'kubectl is not on PATH' }, () => {
  const output = render('k8s', bundled());
  const dir = mkdtempSync(join(tmpdir(), 'render-kustomize-'));
  for (const file of output.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  const build = (sub: string): Loose[] => {
    const run = spawnSync('kubectl', ['kustomize', join(dir, sub)], { encoding: 'utf8' });
    assert.equal(run.status, 0, `kubectl kustomize ${sub || '.'}: ${run.stderr}`);
    return parseYamlDocuments(run.stdout, `kustomize ${sub}`);
  };
  for (const sub of ['', 'demo']) {
    const built = build(sub);
    // What kustomize made is what the test's own walk and merge predicted.
    const predicted = applied(output, sub);
    const key = (o: Loose) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    assert.deepEqual(built.map(key).sort(), predicted.map(key).sort(), sub || 'top');
    for (const name of ['thespian-telemetry', 'otel-collector-config']) assert.deepEqual(find(built, 'ConfigMap', name).data, find(predicted, 'ConfigMap', name).data, `${sub || 'top'}: ${name}`);
  }
  assert.equal(find(build('base'), 'ConfigMap', 'thespian-telemetry').data.OTEL_BACKEND_ADDRESS, 'http://jaeger.observability:4317');
});
