// Static checks of Grafana's provisioning in instrumentation/grafana: fixed datasource uids, the
// links between traces, logs and metrics, `$$` escaping, and the provisioned dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { collect, readJson, readYaml, repoPath, strings, type Loose } from './kit-files';

const DATASOURCES = 'instrumentation/grafana/provisioning/datasources/datasources.yaml';
const PROVIDERS = 'instrumentation/grafana/provisioning/dashboards/dashboards.yaml';
const DASHBOARDS = 'instrumentation/grafana/dashboards';

const provisioned = readYaml(DATASOURCES);
const datasources: Loose[] = provisioned.datasources;
const byUid = new Map<string, Loose>(datasources.map((d) => [d.uid, d]));
const compose = readYaml('instrumentation/docker-compose.yaml');

/** What Grafana makes of a provisioned string: `$$` is a literal `$`. */
function unescapeGrafana(value: string): string {
  return value.replaceAll('$$', '$');
}

/** A line as Thespian logs it (JSON with trace_id and span_id). */
const sampleLine = JSON.stringify({
  level: 'info',
  message: 'sleep done',
  service_name: 'checkout',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
});

test('datasources have the fixed uids tempo, loki and prometheus, each once', () => {
  const uids = datasources.map((d) => d.uid);
  for (const uid of ['tempo', 'loki', 'prometheus']) assert.ok(uids.includes(uid), `no ${uid} uid`);
  assert.equal(new Set(uids).size, uids.length, 'duplicate uids');
  assert.equal(byUid.get('tempo').type, 'tempo');
  assert.equal(byUid.get('loki').type, 'loki');
  assert.equal(byUid.get('prometheus').type, 'prometheus');
  assert.equal(datasources.filter((d) => d.isDefault).length, 1, 'exactly one default datasource');
});

test('every datasourceUid a datasource links to is provisioned', () => {
  for (const ds of datasources) {
    for (const uid of collect(ds.jsonData ?? {}, 'datasourceUid')) {
      assert.ok(byUid.has(uid), `${ds.name} links to unknown datasource uid ${uid}`);
    }
  }
});

test('datasource URLs point at services and ports of the compose file', () => {
  for (const ds of datasources) {
    const url = new URL(ds.url);
    const service = compose.services[url.hostname];
    assert.ok(service, `${ds.name} points at ${url.hostname}, which is not a compose service`);
    const ports = (service.ports ?? []).map((p: string) => String(p).split(':').at(-1));
    assert.ok(ports.includes(url.port), `${ds.name}: ${url.hostname} does not serve port ${url.port}`);
  }
});

test('a trace links to its logs: service.name -> service_name label, filtered by trace id', () => {
  for (const uid of ['tempo', 'jaeger']) {
    const link = byUid.get(uid)?.jsonData?.tracesToLogsV2;
    if (uid === 'jaeger' && !byUid.has('jaeger')) continue;
    assert.ok(link, `${uid} has no tracesToLogsV2`);
    assert.equal(link.datasourceUid, 'loki');
    assert.equal(link.filterByTraceID, true);
    assert.deepEqual(link.tags, [{ key: 'service.name', value: 'service_name' }]);
    assert.notEqual(link.customQuery, true, 'the generated query is enough, keep it');
  }
});

test('a log line links to its trace: the derived field finds trace_id and opens it in Tempo', () => {
  const fields: Loose[] = byUid.get('loki').jsonData.derivedFields;
  const field = fields.find((f) => f.datasourceUid === 'tempo');
  assert.ok(field, 'no derived field links to tempo');
  const match = new RegExp(unescapeGrafana(field.matcherRegex)).exec(sampleLine);
  assert.ok(match, `${field.matcherRegex} does not match ${sampleLine}`);
  assert.equal(match[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(unescapeGrafana(field.url), '${__value.raw}');
});

test('the service map and exemplars use the prometheus uid', () => {
  assert.equal(byUid.get('tempo').jsonData.serviceMap.datasourceUid, 'prometheus');
  assert.equal(byUid.get('tempo').jsonData.nodeGraph.enabled, true);
  const exemplars: Loose[] = byUid.get('prometheus').jsonData.exemplarTraceIdDestinations;
  assert.ok(exemplars.some((e) => e.datasourceUid === 'tempo'));
});

test('every $ that Grafana must keep is escaped as $$ (Grafana env-expands provisioning files)', () => {
  for (const file of [DATASOURCES, PROVIDERS]) {
    for (const [path, value] of strings(readYaml(file))) {
      const single = value.replaceAll('$$', '');
      assert.ok(!single.includes('$'), `${file}: ${path} has an unescaped $ in ${value}`);
    }
  }
});

test('the dashboard provider reads the folder the compose file mounts', () => {
  const provider = readYaml(PROVIDERS).providers[0];
  const mounts: string[] = compose.services.grafana.volumes;
  const mount = mounts.find((m) => m.split(':')[1] === provider.options.path);
  assert.ok(mount, `nothing is mounted at ${provider.options.path}`);
  assert.equal(mount.split(':')[0], './grafana/dashboards');
});

test('every dashboard parses, has a uid, and uses only provisioned datasource uids', () => {
  const files = readdirSync(repoPath(DASHBOARDS)).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, 'no dashboard');
  const uids = new Set<string>();
  for (const file of files) {
    const dashboard = readJson(`${DASHBOARDS}/${file}`);
    assert.ok(dashboard.uid, `${file} has no uid`);
    assert.ok(!uids.has(dashboard.uid), `${file} repeats uid ${dashboard.uid}`);
    uids.add(dashboard.uid);
    const refs = collect(dashboard, 'datasource').filter((d) => d && typeof d === 'object');
    assert.ok(refs.length > 0, `${file} uses no datasource`);
    for (const ref of refs) {
      const ds = byUid.get(ref.uid);
      assert.ok(ds, `${file} uses unknown datasource uid ${ref.uid}`);
      assert.equal(ds.type, ref.type, `${file}: uid ${ref.uid} is a ${ds.type}, not a ${ref.type}`);
    }
  }
});
