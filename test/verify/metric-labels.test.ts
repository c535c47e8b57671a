import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countsSince, readMetricCounts } from '../../src/verify/metric-counts';
import { prometheusSource } from '../../src/verify';

type Series = { metric: Record<string, string>; value: [number, string] }[];

/**
 * A stand-in Prometheus that answers /api/v1/query with fixed instant vectors, in the label
 * shapes each path gives the same metrics (checked against real scrapes and the translators'
 * rules): our file_sd (`service`), a plain scrape of the exporter (only target_info names the
 * service), and an OTLP path (`job` = service.namespace/service.name, the unit in the name).
 */
async function fakePrometheus(answer: (query: string) => Series): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: answer(query) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const at = (value: number): [number, string] => [1700000000, String(value)];

test('metric series are matched to services by the service label, target_info, or an OTLP job; others are counted as unattributed', async () => {
  const prometheus = await fakePrometheus((query): Series => {
    if (query === 'target_info') return [{ metric: { __name__: 'target_info', job: 'static', instance: '10.0.0.2:9464', service_name: 'back' }, value: at(1) }];
    if (query.includes('rpc_server_call_duration')) {
      assert.match(query, /rpc_server_call_duration\(_seconds\)\?_count/, 'both names: the exporter has no unit suffix, the OTLP path adds _seconds');
      return [
        { metric: { service: 'front', job: 'thespian', instance: '127.0.0.1:1', rpc_method: 'thespian.Thespian/A' }, value: at(5) },
        { metric: { job: 'static', instance: '10.0.0.2:9464', rpc_method: 'thespian.Thespian/A' }, value: at(3) },
        { metric: { job: 'shop/cart', instance: 'a1b2', rpc_method: 'thespian.Thespian/B' }, value: at(2) },
        { metric: { job: 'node', instance: 'x', rpc_method: 'thespian.Thespian/A' }, value: at(99) },
      ];
    }
    return [{ metric: { service_name: 'back', job: 'collector' }, value: at(4) }];
  });
  try {
    const counts = await readMetricCounts(prometheusSource(prometheus.url), ['front', 'back', 'cart']);
    assert.deepEqual(Object.fromEntries(counts.requests), { 'front/A': 5, 'back/A': 3, 'cart/B': 2 });
    assert.deepEqual(Object.fromEntries(counts.injected), { back: 4 });
    assert.deepEqual([...counts.services].sort(), ['back', 'cart', 'front']);
    assert.equal(counts.unattributed, 1);
  } finally {
    prometheus.close();
  }
});

/** What a real Prometheus does with `sum by (labels) (selector)`: one series per distinct value of those labels. */
function promqlSumBy(query: string, series: Series): Series {
  const sum = /^sum by \(([^)]*)\)/.exec(query);
  if (!sum) return series;
  const keep = sum[1].split(',').map((label) => label.trim());
  const groups = new Map<string, Series[number]>();
  for (const { metric, value } of series) {
    const labels = Object.fromEntries(keep.filter((label) => metric[label] !== undefined).map((label) => [label, metric[label]]));
    const key = JSON.stringify(labels);
    const group = groups.get(key);
    groups.set(key, { metric: labels, value: at(Number(value[1]) + Number(group?.value[1] ?? 0)) });
  }
  return [...groups.values()];
}

test('the increase since the baseline is taken per series: a reset beside a growing one, a vanished instance, and replicas that add up', async () => {
  const requests = (name: string, labels: Record<string, string>, value: number) => ({ metric: { __name__: name, rpc_method: labels.method ?? 'thespian.Thespian/A', ...labels }, value: at(value) });
  const front = { service: 'front', job: 'thespian', instance: '127.0.0.1:1' };
  // Replicas of cart behind one collector's prometheus exporter: only service_instance_id tells them apart.
  const cart = (id: string) => ({ job: 'otelcol', instance: '127.0.0.1:8889', service_name: 'cart', service_instance_id: id, method: 'thespian.Thespian/B' });
  const before: Series = [
    requests('rpc_server_call_duration_count', { ...front, rpc_response_status_code: '0' }, 10),
    requests('rpc_server_call_duration_count', { ...front, rpc_response_status_code: '13' }, 20),
    requests('rpc_server_call_duration_seconds_count', { job: 'shop/back', instance: 'b1' }, 50),
    requests('rpc_server_call_duration_seconds_count', { job: 'shop/back', instance: 'b2' }, 100),
    requests('rpc_server_call_duration_seconds_count', cart('x'), 1),
    requests('rpc_server_call_duration_seconds_count', cart('y'), 2),
  ];
  const after: Series = [
    requests('rpc_server_call_duration_count', { ...front, rpc_response_status_code: '0' }, 30), // +20
    requests('rpc_server_call_duration_count', { ...front, rpc_response_status_code: '13' }, 1), // reset: +1
    // b1 is gone (its instance stopped): it adds nothing, and does not make b2's whole count new.
    requests('rpc_server_call_duration_seconds_count', { job: 'shop/back', instance: 'b2' }, 103), // +3
    requests('rpc_server_call_duration_seconds_count', cart('x'), 4), // +3
    requests('rpc_server_call_duration_seconds_count', cart('y'), 7), // +5
    requests('rpc_server_call_duration_seconds_count', cart('z'), 5), // new since the baseline: +5
  ];
  const injected = (step: string, value: number) => ({ metric: { __name__: 'thespian_injected_failures_total', ...front, thespian_step_name: step, rpc_response_status_code: '13' }, value: at(value) });
  const injectedBefore = [injected('charge', 5), injected('reserve', 3)];
  const injectedAfter = [injected('charge', 1), injected('reserve', 6)]; // reset: +1, and +3
  let phase: 'before' | 'after' = 'before';
  const prometheus = await fakePrometheus((query): Series => {
    if (query === 'target_info') return [];
    const series = query.includes('rpc_server_call_duration') ? (phase === 'before' ? before : after) : phase === 'before' ? injectedBefore : injectedAfter;
    return promqlSumBy(query, series);
  });
  try {
    const services = ['front', 'back', 'cart'];
    const baseline = await readMetricCounts(prometheusSource(prometheus.url), services);
    assert.deepEqual(Object.fromEntries(baseline.requests), { 'front/A': 30, 'back/A': 150, 'cart/B': 3 });
    phase = 'after';
    const since = countsSince(baseline, await readMetricCounts(prometheusSource(prometheus.url), services));
    assert.deepEqual(Object.fromEntries(since.requests), { 'front/A': 21, 'back/A': 3, 'cart/B': 13 });
    assert.deepEqual(Object.fromEntries(since.injected), { front: 4 });
  } finally {
    prometheus.close();
  }
});
