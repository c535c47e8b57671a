// The OpenTelemetry Collector in instrumentation/ (and Jaeger 2, a collector build too), checked
// statically: every pipeline names components the file defines, every defined component is used,
// the processors are in the order the collector's docs advise, and everything that points at a
// host (the collector's exporters, the rendered ecosystem's OTLP endpoints) points at a service of
// instrumentation/docker-compose.yaml. Each check is also shown catching a broken copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { readYaml, type Loose } from '../kit/kit-files';
import { exporterEndpoints, hostAndPort, processorOrder, undefinedComponents, unknownHosts, unusedComponents } from './pipeline-checks';

const STACK = 'instrumentation/docker-compose.yaml';
const RENDERED = 'deploy/compose/docker-compose.yaml';
const stack = readYaml(STACK);
const serviceNames = Object.keys(stack.services);

/** The repository file a stack service is started with: the flag's path, traced back through its bind mount. */
function configFileOf(service: string, flag: string): string {
  const spec = stack.services[service];
  assert.ok(spec, `${STACK} has no service ${service}`);
  const target = (spec.command as string[]).find((c) => c.startsWith(flag))?.slice(flag.length);
  assert.ok(target, `${service} is not started with ${flag}`);
  const mount = (spec.volumes as string[]).map((v) => v.split(':')).find(([, inside]) => inside === target);
  assert.ok(mount, `${service} reads ${target}, which nothing mounts`);
  return posix.join('instrumentation', mount[0]);
}

const collectorFile = configFileOf('otel-collector', '--config=');
const jaegerFile = configFileOf('jaeger', '--config=');
const collector = readYaml(collectorFile);
const jaeger = readYaml(jaegerFile);

/** A deep copy to break. */
function copyOf(config: Loose): Loose {
  return structuredClone(config);
}

test('the collector runs the file next to the compose file, and it has a pipeline per signal', () => {
  assert.equal(collectorFile, 'instrumentation/otel-collector.yaml');
  const signals = Object.keys(collector.service.pipelines).map((name) => name.split('/')[0]);
  for (const signal of ['traces', 'metrics', 'logs']) assert.ok(signals.includes(signal), `no ${signal} pipeline`);
});

test('every pipeline names receivers, processors and exporters the file defines', () => {
  assert.deepEqual(undefinedComponents(collector), []);
  assert.deepEqual(undefinedComponents(jaeger), []);

  const broken = copyOf(collector);
  broken.service.pipelines.logs.exporters.push('otlp_http/elsewhere');
  broken.service.pipelines.metrics.processors = ['memory_limiter', 'batch/tuned'];
  broken.service.pipelines['spans'] = { receivers: [], exporters: ['otlp_grpc/tempo'] };
  assert.deepEqual(undefinedComponents(broken), [
    'service.pipelines.metrics.processors: batch/tuned is not defined under processors',
    'service.pipelines.logs.exporters: otlp_http/elsewhere is not defined under exporters',
    'service.pipelines.spans: not a signal (traces, metrics, logs, profiles)',
    'service.pipelines.spans.receivers: empty',
  ]);
});

test('every receiver, processor, exporter and extension the file defines is used', () => {
  assert.deepEqual(unusedComponents(collector), []);
  assert.deepEqual(unusedComponents(jaeger), []);

  const broken = copyOf(collector);
  broken.exporters['debug'] = { verbosity: 'basic' };
  broken.processors['batch/unused'] = {};
  broken.extensions = { health_check: {} };
  broken.service.extensions = ['zpages'];
  assert.deepEqual(unusedComponents(broken), [
    'processors.batch/unused: defined but no pipeline uses it',
    'exporters.debug: defined but no pipeline uses it',
    'extensions.health_check: defined but not in service.extensions',
    'service.extensions: zpages is not defined under extensions',
  ]);
});

test('memory_limiter comes first and batch after it in every collector pipeline', () => {
  assert.deepEqual(processorOrder(collector), []);

  const broken = copyOf(collector);
  broken.service.pipelines.traces.processors = ['batch', 'memory_limiter'];
  broken.service.pipelines.logs.processors = ['memory_limiter'];
  assert.deepEqual(processorOrder(broken), [
    'service.pipelines.traces.processors: memory_limiter must come first (got batch, memory_limiter)',
    'service.pipelines.logs.processors: no batch',
  ]);
});

test('every exporter sends to a service of the compose file: Tempo, Jaeger, Loki and Prometheus', () => {
  const endpoints = exporterEndpoints(collector);
  assert.deepEqual(unknownHosts(endpoints, serviceNames), []);
  const hosts = new Set(endpoints.map(([, endpoint]) => hostAndPort(endpoint).host));
  assert.deepEqual([...hosts].sort(), ['jaeger', 'loki', 'prometheus', 'tempo']);

  const broken = copyOf(collector);
  broken.exporters['otlp_grpc/tempo'].endpoint = 'tempo-distributor:4317';
  assert.deepEqual(unknownHosts(exporterEndpoints(broken), serviceNames), [
    `exporters.otlp_grpc/tempo.endpoint: tempo-distributor:4317 is not a service of the compose file (${serviceNames.join(', ')})`,
  ]);
});

test('the backends listen where the collector sends: Loki at /otlp, Prometheus with its OTLP receiver on, Jaeger on 4317', () => {
  const exporters = collector.exporters;
  assert.equal(new URL(exporters['otlp_http/loki'].endpoint).pathname, '/otlp');
  assert.equal(new URL(exporters['otlp_http/prometheus'].endpoint).pathname, '/api/v1/otlp');
  assert.ok((stack.services.prometheus.command as string[]).includes('--web.enable-otlp-receiver'), 'Prometheus refuses OTLP without --web.enable-otlp-receiver');
  assert.equal(hostAndPort(jaeger.receivers.otlp.protocols.grpc.endpoint).port, hostAndPort(exporters['otlp_grpc/jaeger'].endpoint).port);
  // The copy to Jaeger must be cheap to lose while its profile is off.
  assert.equal(exporters['otlp_grpc/jaeger'].retry_on_failure?.enabled, false);
  assert.ok(Number(exporters['otlp_grpc/jaeger'].sending_queue?.queue_size) > 0);
});

test('Jaeger keeps a bounded number of traces in memory and runs only under the jaeger profile', () => {
  assert.deepEqual(stack.services.jaeger.profiles, ['jaeger']);
  const backends = Object.values<Loose>(jaeger.extensions.jaeger_storage.backends);
  assert.ok(backends.length > 0);
  for (const backend of backends) {
    assert.ok(Number.isInteger(backend.memory?.max_traces) && backend.memory.max_traces > 0, 'an in-memory store without max_traces grows for ever');
  }
});

test('the collector publishes its own metrics to Prometheus, which scrapes them', () => {
  const reader = collector.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
  assert.equal(reader.host, '0.0.0.0', 'the default reader listens on localhost, out of reach of the Prometheus container');
  const prometheus = readYaml(configFileOf('prometheus', '--config.file='));
  const targets: string[] = prometheus.scrape_configs.flatMap((job: Loose) => job.static_configs.flatMap((group: Loose) => group.targets));
  assert.ok(targets.includes(`otel-collector:${reader.port}`), `Prometheus does not scrape otel-collector:${reader.port}`);
});

/** The rendered services' OTLP endpoints and Loki address, with where they were found. */
function renderedEndpoints(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const [name, service] of Object.entries<Loose>(readYaml(RENDERED).services)) {
    for (const key of ['OTEL_BACKEND_ADDRESS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'LOKI_ADDRESS']) {
      const value = service.environment?.[key];
      if (typeof value === 'string' && value !== '') found.push([`${RENDERED}: services.${name}.environment.${key}`, value]);
    }
  }
  return found;
}

test('the rendered ecosystem sends every signal to the collector, on the port its OTLP gRPC receiver listens on', () => {
  const endpoints = renderedEndpoints();
  assert.ok(endpoints.length > 0, `${RENDERED} names no endpoint`);
  assert.deepEqual(unknownHosts(endpoints, serviceNames), []);
  const receiverPort = hostAndPort(collector.receivers.otlp.protocols.grpc.endpoint).port;
  for (const [where, endpoint] of endpoints) {
    assert.deepEqual(hostAndPort(endpoint), { host: 'otel-collector', port: receiverPort }, where);
  }

  const broken: Array<[string, string]> = [...endpoints, ['services.frontend.environment.LOKI_ADDRESS', 'http://loki-gateway:3100']];
  assert.deepEqual(unknownHosts(broken, serviceNames), [
    `services.frontend.environment.LOKI_ADDRESS: http://loki-gateway:3100 is not a service of the compose file (${serviceNames.join(', ')})`,
  ]);
});
