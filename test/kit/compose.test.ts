// Static checks of the observability stack in instrumentation/ (no Docker needed): the compose
// file and the Tempo, Loki and Prometheus configs it mounts, and how they fit together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import { exists, readText, readYaml, readYamlDocument, repoPath, type Loose } from './kit-files';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';

const COMPOSE = 'instrumentation/docker-compose.yaml';
const compose = readYaml(COMPOSE);
const services: Record<string, Loose> = compose.services;

/** "image:tag" -> tag; digests count as pinned. */
function tagOf(image: string): string | undefined {
  if (image.includes('@sha256:')) return 'digest';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : image.slice(colon + 1);
}

function shortVolume(volume: Loose): { source: string; target: string } {
  if (typeof volume === 'string') {
    const [source, target] = volume.split(':');
    return { source, target };
  }
  return { source: volume.source, target: volume.target };
}

function hostPorts(service: Loose): string[] {
  return (service.ports ?? []).map((p: Loose) => {
    if (typeof p === 'object') return `${p.host_ip ?? ''}:${p.published}`;
    const parts = String(p).split(':');
    // [ip:]host:container -> [ip:]host
    return parts.length === 3 ? `${parts[0]}:${parts[1]}` : `:${parts[0]}`;
  });
}

test('the compose file parses and runs the collector and the four backends by default, Jaeger 2 only with its profile', () => {
  for (const name of ['otel-collector', 'grafana', 'loki', 'tempo', 'prometheus']) {
    assert.ok(services[name], `service ${name} is missing`);
    assert.equal(services[name].profiles, undefined, `${name} must start without a profile`);
  }
  assert.match(services['otel-collector'].image, /^otel\/opentelemetry-collector-contrib:/);
  assert.ok(services.jaeger, 'service jaeger is missing');
  assert.deepEqual(services.jaeger.profiles, ['jaeger']);
  // Jaeger 1 (all-in-one) is no longer published; Jaeger 2 is configured by a file.
  assert.match(services.jaeger.image, /^jaegertracing\/jaeger:2\./);
  assert.ok((services.jaeger.command as string[]).some((c) => c.startsWith('--config=')));
});

test('every image is pinned to a full release tag (never latest, untagged or major-only)', () => {
  for (const [name, service] of Object.entries(services)) {
    const image: string = service.image;
    assert.ok(image, `${name} has no image`);
    const tag = tagOf(image);
    assert.ok(tag, `${name}: ${image} has no tag`);
    assert.notEqual(tag, 'latest', `${name}: ${image} uses latest`);
    if (tag !== 'digest') {
      assert.match(tag, /^v?\d+\.\d+\.\d+$/, `${name}: ${image} is not pinned to major.minor.patch`);
    }
  }
});

test('every service carries a comment that says what it is for', () => {
  const doc = readYamlDocument(COMPOSE);
  const map = doc.get('services', true) as YAMLMap;
  assert.ok(isMap(map));
  map.items.forEach((pair: Pair, index) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    // The yaml parser gives the first entry's comment to the map itself.
    const comment = index === 0 ? map.commentBefore : (pair.key as Loose)?.commentBefore;
    assert.ok(comment && comment.trim().length > 20, `service ${key} has no comment above it`);
  });
});

test('every file it bind-mounts exists, and named volumes are declared', () => {
  const declared = Object.keys(compose.volumes ?? {});
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const { source } = shortVolume(volume);
      if (source.startsWith('.') || source.startsWith('/')) {
        assert.ok(!source.startsWith('/'), `${name}: absolute bind mount ${source} is not portable`);
        const path = join(repoPath('instrumentation'), source);
        assert.ok(existsSync(path), `${name} mounts ${source}, which does not exist`);
      } else {
        assert.ok(declared.includes(source), `${name} uses volume ${source}, not declared`);
      }
    }
  }
});

test('the network is created here under the fixed name `thespian`, and every service joins it', () => {
  assert.equal(compose.networks?.thespian?.name, 'thespian');
  assert.notEqual(compose.networks.thespian.external, true, 'this file must create the network');
  for (const [name, service] of Object.entries(services)) {
    const networks = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
    assert.ok(networks.includes('thespian'), `${name} is not on the thespian network`);
  }
});

test('host ports are unique (Jaeger can run beside Tempo) and bound to localhost only', () => {
  const seen = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    for (const port of hostPorts(service)) {
      const hostPort = port.split(':').at(-1)!;
      assert.ok(!seen.has(hostPort), `host port ${hostPort} used by ${seen.get(hostPort)} and ${name}`);
      seen.set(hostPort, name);
      assert.ok(port.startsWith('127.0.0.1:'), `${name} publishes ${hostPort} on every interface`);
    }
  }
  for (const port of ['3000', '3100', '3200', '4317', '9090', '16686']) {
    assert.ok(seen.has(port), `nothing publishes ${port}`);
  }
  // Instances on the host send to localhost:4317, which is the collector, not a backend.
  assert.equal(seen.get('4317'), 'otel-collector');
});

test('Grafana lets anonymous users in as Admin', () => {
  const env = services.grafana.environment;
  assert.equal(String(env.GF_AUTH_ANONYMOUS_ENABLED), 'true');
  assert.equal(env.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Admin');
});

test('Prometheus accepts remote writes', () => {
  const command: string[] = services.prometheus.command;
  assert.ok(command.includes('--web.enable-remote-write-receiver'));
  const config = command.find((c) => c.startsWith('--config.file='))!.split('=')[1];
  const mounted = services.prometheus.volumes.map(shortVolume).map((v: Loose) => v.target);
  assert.ok(mounted.includes(config), `Prometheus reads ${config}, which is not mounted`);
});

/** The config file a service is started with, as a path in the repository. */
function configFileOf(name: string, flag: string): string {
  const command: string[] = services[name].command;
  const target = command.find((c) => c.startsWith(flag))!.slice(flag.length);
  const volume = services[name].volumes.map(shortVolume).find((v: Loose) => v.target === target);
  assert.ok(volume, `${name} reads ${target}, which is not mounted`);
  return posix.join('instrumentation', volume.source);
}

test('Tempo listens for OTLP on all interfaces and its generator writes to Prometheus', () => {
  const tempo = readYaml(configFileOf('tempo', '-config.file='));
  const otlp = tempo.distributor.receivers.otlp.protocols;
  assert.equal(otlp.grpc.endpoint, '0.0.0.0:4317');
  assert.equal(otlp.http.endpoint, '0.0.0.0:4318');
  assert.equal(tempo.server.http_listen_port, 3200);
  assert.equal(tempo.storage.trace.backend, 'local');

  const writes: Loose[] = tempo.metrics_generator.storage.remote_write;
  assert.ok(writes.length > 0);
  const url = new URL(writes[0].url);
  assert.equal(url.hostname, 'prometheus');
  assert.ok(services[url.hostname], 'remote write goes to a service that does not exist');
  assert.equal(url.port, '9090');
  assert.equal(url.pathname, '/api/v1/write');

  const processors: string[] = tempo.overrides.defaults.metrics_generator.processors;
  assert.ok(processors.includes('service-graphs'));
  assert.ok(processors.includes('span-metrics'));
});

test('Loki runs single-binary with the TSDB v13 schema and structured metadata', () => {
  const loki = readYaml(configFileOf('loki', '-config.file='));
  assert.equal(loki.auth_enabled, false);
  assert.equal(loki.server.http_listen_port, 3100);
  const schema = loki.schema_config.configs.at(-1);
  assert.equal(schema.store, 'tsdb');
  assert.equal(schema.schema, 'v13');
  assert.equal(loki.limits_config.allow_structured_metadata, true);
  assert.equal(loki.common.replication_factor, 1);
});

test('Prometheus scrapes only services that exist', () => {
  const prometheus = readYaml(configFileOf('prometheus', '--config.file='));
  for (const job of prometheus.scrape_configs) {
    for (const group of job.static_configs) {
      for (const target of group.targets as string[]) {
        const host = target.split(':')[0];
        assert.ok(host === 'localhost' || services[host], `job ${job.job_name} scrapes unknown ${host}`);
      }
    }
  }
});

test('the README names every service and its port', () => {
  const readme = readText('instrumentation/README.md');
  for (const name of Object.keys(services)) assert.match(readme, new RegExp(name, 'i'));
  for (const port of ['3000', '3100', '3200', '4317', '4318', '8888', '9090', '16686', '14317']) {
    assert.ok(readme.includes(port), `README does not mention port ${port}`);
  }
});

test('the rendered ecosystem, when present, joins this network and reports to this stack', (t) => {
  const rendered = 'deploy/compose/docker-compose.yaml';
  if (!exists(rendered)) return t.skip(`${rendered} is not rendered yet`);
  const ecosystem = readYaml(rendered);
  const network = Object.entries(ecosystem.networks ?? {}).find(
    ([key, value]: [string, Loose]) => (value?.name ?? key) === 'thespian',
  );
  assert.ok(network, `${rendered} does not use the thespian network`);
  assert.equal((network[1] as Loose)?.external, true, 'the thespian network must be external there');
  for (const [name, service] of Object.entries(ecosystem.services as Record<string, Loose>)) {
    const env = service.environment ?? {};
    const value = (key: string): string | undefined =>
      Array.isArray(env)
        ? env.find((e: string) => e.startsWith(`${key}=`))?.slice(key.length + 1)
        : env[key];
    for (const key of ['OTEL_BACKEND_ADDRESS', 'LOKI_ADDRESS']) {
      const url = value(key);
      if (url && !url.includes('${')) {
        const host = new URL(url).hostname;
        assert.ok(services[host], `${name}: ${key} points at ${host}, not a service of ${COMPOSE}`);
      }
    }
  }
});
