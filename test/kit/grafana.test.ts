// Static checks of Grafana's provisioning in instrumentation/grafana: fixed datasource uids, the
// links between traces, logs and metrics, `$$` escaping, and the provisioned dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { METRIC_RPC_SERVER_CALL_DURATION } from '@opentelemetry/semantic-conventions';
import { INCIDENT_ATTRIBUTE, INJECTED_FAILURES_METRIC } from '../../src/engine';
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

/** The trace-to-logs query a datasource runs in Loki, as Grafana sees it (`$$` unescaped). */
function traceToLogsQuery(uid: string): string {
  const link = byUid.get(uid)?.jsonData?.tracesToLogsV2;
  assert.ok(link, `${uid} has no tracesToLogsV2`);
  assert.equal(link.datasourceUid, 'loki');
  // Grafana's generated query (filterByTraceID) searches the line for the trace id; an OTLP
  // record's line is only its message, its trace id is the structured metadata trace_id.
  assert.equal(link.customQuery, true, `${uid}: the generated query misses OTLP records`);
  return unescapeGrafana(link.query);
}

test('a Tempo trace links to its logs: service.name -> service_name stream, filtered on the trace_id metadata', () => {
  assert.deepEqual(byUid.get('tempo').jsonData.tracesToLogsV2.tags, [{ key: 'service.name', value: 'service_name' }]);
  assert.equal(traceToLogsQuery('tempo'), '{${__tags}} | trace_id="${__span.traceId}"');
});

test('a Jaeger trace links to its logs by trace id alone (its process tags carry no service.name)', () => {
  const query = traceToLogsQuery('jaeger');
  assert.ok(!query.includes('__tags') && !query.includes('service.name'), `${query} relies on a tag Jaeger spans do not have`);
  assert.match(query, /\| trace_id="\$\{__span\.traceId\}"$/);
});

test('a log line links to its trace: by the trace_id metadata (OTLP) or the "trace_id" in a JSON line (LOKI_ADDRESS)', () => {
  const fields: Loose[] = byUid.get('loki').jsonData.derivedFields.filter((f: Loose) => f.datasourceUid === 'tempo');
  const byLabel = fields.find((f) => f.matcherType === 'label');
  assert.ok(byLabel, 'no derived field reads the trace_id structured metadata');
  assert.equal(byLabel.matcherRegex, 'trace_id');
  const inLine = fields.find((f) => (f.matcherType ?? 'regex') === 'regex');
  assert.ok(inLine, 'no derived field reads the trace id from the line');
  const match = new RegExp(unescapeGrafana(inLine.matcherRegex)).exec(sampleLine);
  assert.ok(match, `${inLine.matcherRegex} does not match ${sampleLine}`);
  assert.equal(match[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  for (const field of fields) assert.equal(unescapeGrafana(field.url), '${__value.raw}');
});

test('the Tempo datasource streams results (Tempo has stream_over_http_enabled) and has no lokiSearch', () => {
  const tempo = readYaml('instrumentation/tempo.yaml');
  assert.equal(tempo.stream_over_http_enabled, true);
  const jsonData = byUid.get('tempo').jsonData;
  assert.deepEqual(jsonData.streamingEnabled, { search: true, metrics: true });
  // Grafana 11 no longer reads lokiSearch; tracesToLogsV2 does that job.
  assert.equal(jsonData.lokiSearch, undefined);
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

/**
 * What Prometheus 3.6 calls an OTLP metric by default (UnderscoreEscapingWithSuffixes): dots become
 * underscores, the unit "s" becomes _seconds, a monotonic counter gets _total ({failure} and other
 * annotations add nothing).
 */
const SERVER_DURATION = `${METRIC_RPC_SERVER_CALL_DURATION.replaceAll('.', '_')}_seconds`;
const INJECTED_FAILURES = `${INJECTED_FAILURES_METRIC.replaceAll('.', '_')}_total`;

test('the dashboard has an RPC metrics row: rate, error ratio, p50/p99, and injected failures beside observed failures', () => {
  const dashboard = readJson(`${DASHBOARDS}/thespian-overview.json`);
  const panels: Loose[] = dashboard.panels;
  const row = panels.find((p) => p.type === 'row' && /RPC metrics/.test(p.title));
  assert.ok(row, 'no RPC metrics row');
  const nextRow = panels.find((p) => p.type === 'row' && p.gridPos.y > row.gridPos.y);
  const below = panels.filter((p) => p.type !== 'row' && p.gridPos.y > row.gridPos.y && (!nextRow || p.gridPos.y < nextRow.gridPos.y));
  const exprs = (panel: Loose): string[] => panel.targets.map((t: Loose) => t.expr);
  const uses = (panel: Loose, text: string) => exprs(panel).some((e) => e.includes(text));
  assert.ok(below.some((p) => uses(p, `rate(${SERVER_DURATION}_count`) && !uses(p, 'rpc_status_code')), 'no call-rate panel');
  assert.ok(below.some((p) => exprs(p).some((e) => e.includes('rpc_status_code!="OK"') && e.includes(' / '))), 'no error-ratio panel');
  const quantiles = below.find((p) => uses(p, `${SERVER_DURATION}_bucket`));
  assert.ok(quantiles && uses(quantiles, 'histogram_quantile(0.5,') && uses(quantiles, 'histogram_quantile(0.99,'), 'no p50/p99 panel');
  const beside = below.find((p) => uses(p, INJECTED_FAILURES));
  assert.ok(beside, `no panel shows ${INJECTED_FAILURES}`);
  assert.ok(uses(beside, `${SERVER_DURATION}_count`), 'the injected failures are not beside the observed failed calls');
  // The instances' service.name arrives as the job label.
  for (const panel of below.filter((p) => uses(p, SERVER_DURATION) || uses(p, INJECTED_FAILURES))) {
    for (const expr of exprs(panel)) assert.match(expr, /by \((le, )?job\)/, `${panel.title}: ${expr} is not per service (job)`);
  }
  assert.ok(below.some((p) => uses(p, 'otelcol_receiver_accepted_spans') && uses(p, 'otelcol_exporter_sent_spans')), 'no collector panel');
});

test('the dashboard has an Incidents row: injected failures by incident, the traces incidents changed, their starts and ends', () => {
  const dashboard = readJson(`${DASHBOARDS}/thespian-overview.json`);
  const panels: Loose[] = dashboard.panels;
  const row = panels.find((p) => p.type === 'row' && /^Incidents/.test(p.title));
  assert.ok(row, 'no Incidents row');
  const inRow = panels.filter((p) => p.type !== 'row' && p.gridPos.y > row.gridPos.y);
  // The attribute, as Prometheus 3.6 names an OTLP attribute by default: dots become underscores.
  const label = INCIDENT_ATTRIBUTE.replaceAll('.', '_');
  const byIncident = inRow.find((p) => p.targets.some((t: Loose) => t.expr?.includes(INJECTED_FAILURES)));
  assert.ok(byIncident, `no panel shows ${INJECTED_FAILURES} in the Incidents row`);
  const expr: string = byIncident.targets[0].expr;
  assert.match(expr, new RegExp(`by \\(job, ${label}\\)`), `${expr} is not per incident and service`);
  assert.ok(expr.includes(`${label}!=""`), `${expr} counts the failures no incident caused too`);
  const traces = inRow.find((p) => p.datasource.type === 'tempo');
  assert.ok(traces, 'no Tempo panel in the Incidents row');
  // Tempo 2.10's TraceQL tests an attribute's presence with != nil (docs/sources/tempo/traceql/construct-traceql-queries.md).
  assert.ok(traces.targets[0].query.includes(`span.${INCIDENT_ATTRIBUTE} != nil`), traces.targets[0].query);
  const logs = inRow.find((p) => p.type === 'logs');
  assert.ok(logs, 'no logs panel in the Incidents row');
  const filter = /\|~ "(.+)"$/.exec(logs.targets[0].expr);
  assert.ok(filter, `${logs.targets[0].expr} has no line filter`);
  const pattern = new RegExp(filter[1]!);
  // The admin API's own log messages (src/server/admin-service.ts), in a JSON line and as an OTLP record's body.
  for (const message of ['incident "card network down" started', 'incident "inc-3" cleared', 'incident "slow db" ended']) {
    assert.ok(pattern.test(message) && pattern.test(JSON.stringify({ message })), `${filter[1]} misses ${message}`);
  }
  assert.ok(!pattern.test('checkout/A › pay: injected failure by incident "x" (rolled 0.1 < 1)'), 'the filter takes failure lines too');
});
