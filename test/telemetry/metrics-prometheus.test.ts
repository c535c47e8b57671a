import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';
import { freePort } from '../support/free-port';

after(() => closeClients());

const PROMETHEUS = 'prometheus';
const INSTALL = "Install Debian's package: apt-get install -y prometheus";
// .ci/run installs Prometheus and sets this, so there the test cannot be skipped; on a laptop
// without Prometheus the test says it is skipped and why, instead of failing the quick start.
const REQUIRED = process.env.THESPIAN_REQUIRE_PROMETHEUS === '1';
const MISSING = spawnSync(PROMETHEUS, ['--version']).error !== undefined;
const SKIP = MISSING && !REQUIRED ? `no prometheus on PATH: this test needs a real Prometheus. ${INSTALL}` : false;
const CALLS = 30;

/** A real Prometheus on a free port, scraping `target` every second; data in a temp dir. */
async function startPrometheus(target: string): Promise<{ url: string; stop(): void }> {
  assert.ok(!MISSING, `no prometheus on PATH, and THESPIAN_REQUIRE_PROMETHEUS=1 says this test must run. ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'thespian-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: thespian\n    static_configs:\n      - targets: ['${target}']\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) assert.fail(`prometheus exited: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 300) assert.fail(`prometheus did not become ready: ${stderr}`);
    await delay(100);
  }
  return {
    url,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs an instant query; the series as { labels, value }. */
async function query(url: string, promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls until `check` passes on the query's result (the scrape comes every second), or fails with the last result. */
async function eventually(url: string, promql: string, check: (sum: number) => boolean): Promise<number> {
  let last = NaN;
  for (let i = 0; i < 150; i++) {
    last = (await query(url, promql)).reduce((sum, series) => sum + series.value, 0);
    if (check(last)) return last;
    await delay(200);
  }
  assert.fail(`${promql} stayed at ${last}`);
}

test('OTEL_METRICS_EXPORTER=prometheus: a real Prometheus scrapes the request counts by method and status, and the injected failures', { skip: SKIP }, async () => {
  const scrapePort = await freePort();
  const instance = await startInstance({
    env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(scrapePort), SERVICE_NAME: 'scraped' },
    behaviour: methodA('serve', step(sleep('work', 1, 0.4))),
  });
  const prometheus = await startPrometheus(`127.0.0.1:${scrapePort}`);
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
