import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port';

const PROMETHEUS = 'prometheus';
const INSTALL = "Install Debian's package: apt-get install -y prometheus";
// .ci/run installs Prometheus and sets this, so there the tests cannot be skipped; on a laptop
// without Prometheus they say they are skipped and why, instead of failing the quick start.
const REQUIRED = process.env.THESPIAN_REQUIRE_PROMETHEUS === '1';
const MISSING = spawnSync(PROMETHEUS, ['--version']).error !== undefined;
/** The `skip` option of a test that needs a real Prometheus. */
export const SKIP_WITHOUT_PROMETHEUS = MISSING && !REQUIRED ? `no prometheus on PATH: this test needs a real Prometheus. ${INSTALL}` : false;

export interface PrometheusProcess {
  readonly url: string;
  /** The folder of its config and data, for files the config names (file_sd). */
  readonly dir: string;
  stop(): void;
}

/** A real Prometheus on a free port with the scrape config `scrapeConfigs` (YAML, under scrape_configs:), scraping every second; data in a temp dir. */
export async function startPrometheus(scrapeConfigs: (dir: string) => string): Promise<PrometheusProcess> {
  assert.ok(!MISSING, `no prometheus on PATH, and THESPIAN_REQUIRE_PROMETHEUS=1 says this test must run. ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'thespian-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n${scrapeConfigs(dir)}`);
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
    dir,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs an instant query; the series as { labels, value }. */
export async function queryPrometheus(url: string, promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls until `check` passes on the sum of the query's series (the scrape comes every second), or fails with the last sum. */
export async function eventuallySum(url: string, promql: string, check: (sum: number) => boolean): Promise<number> {
  let last = NaN;
  for (let i = 0; i < 150; i++) {
    last = (await queryPrometheus(url, promql)).reduce((sum, series) => sum + series.value, 0);
    if (check(last)) return last;
    await delay(200);
  }
  assert.fail(`${promql} stayed at ${last}`);
}
