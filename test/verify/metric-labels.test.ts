import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readMetricCounts } from '../../src/verify/metric-counts';
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
