import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { freePort } from '../support/free-port';
import { eventuallySum as eventually, SKIP_WITHOUT_PROMETHEUS as SKIP, startPrometheus } from '../support/prometheus-process';

after(() => closeClients());

const CALLS = 30;

test('OTEL_METRICS_EXPORTER=prometheus: a real Prometheus scrapes the request counts by method and status, and the injected failures', { skip: SKIP }, async () => {
  const scrapePort = await freePort();
  const instance = await startInstance({
    env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(scrapePort), SERVICE_NAME: 'scraped' },
    behaviour: methodA('serve', step(sleep('work', 1, 0.4))),
  });
  const prometheus = await startPrometheus(() => `  - job_name: thespian\n    static_configs:\n      - targets: ['127.0.0.1:${scrapePort}']\n`);
  try {
    const results = [];
    for (let i = 0; i < CALLS; i++) results.push(await callMethod(instance.address, 'A'));
    const internal = results.filter((r) => r.code === grpc.status.INTERNAL).length;
    const ok = results.filter((r) => r.code === grpc.status.OK).length;
    assert.equal(ok + internal, CALLS);

    const series = 'rpc_server_call_duration_count{job="thespian",rpc_method="thespian.Thespian/A"';
    assert.equal(await eventually(prometheus.url, `${series},rpc_status_code="OK"}`, (n) => n === ok), ok);
    assert.equal(await eventually(prometheus.url, `${series},rpc_status_code="INTERNAL",error_type="INTERNAL"}`, (n) => n === internal), internal);
    const injected = 'thespian_injected_failures_total{job="thespian",thespian_step_name="work",rpc_status_code="INTERNAL"}';
    assert.equal(await eventually(prometheus.url, injected, (n) => n === internal), internal);
    assert.equal(await eventually(prometheus.url, 'thespian_step_duration_count{thespian_step_kind="Sleep"}', (n) => n === CALLS), CALLS);
    assert.equal(await eventually(prometheus.url, 'thespian_requests_in_flight', () => true), 0);
  } finally {
    prometheus.stop();
    await instance.stop();
  }
});
