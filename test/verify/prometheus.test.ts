import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyResult } from '../../src/verify';
import { blackHole } from '../support/black-hole';
import { runToExit } from '../support/instance-process';
import { eventuallySum, SKIP_WITHOUT_PROMETHEUS, startPrometheus, type PrometheusProcess } from '../support/prometheus-process';
import { freePorts, runUp, startUp, tempDir, writeJson, type UpProcess } from '../up/up-helpers';
import { shopTopology } from './verify-helpers';

const REQUESTS = 40;
const running: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const stop of running.reverse()) await stop();
});

/** A scrape job over up's file_sd file; `relabel` (YAML, under relabel_configs:) can make it miss targets. */
function fileSdJob(sdFile: string, relabel = ''): () => string {
  return () =>
    `  - job_name: thespian\n    file_sd_configs:\n      - files: ['${sdFile}']\n        refresh_interval: 1s\n` + (relabel ? `    relabel_configs:\n${relabel}` : '');
}

/**
 * A real `thespian up --prometheus-sd` of the two-service shop, scraped by a real Prometheus.
 * up's own traffic is one request at start (rps 0.001): verify takes its counts before and after
 * its own requests, so that one must already be counted when verify starts, or it would be extra.
 */
async function upScrapedBy(relabel = ''): Promise<{ up: UpProcess; prometheus: PrometheusProcess; topologyPath: string; query: number; dir: string }> {
  const [front, back, query] = await freePorts(3);
  const dir = tempDir();
  const topologyPath = writeJson(dir, 'shop.json', shopTopology({ front, back }, 0.001));
  const sdFile = join(dir, 'targets.json');
  const prometheus = await startPrometheus(fileSdJob(sdFile, relabel));
  running.push(() => prometheus.stop());
  const up = startUp([topologyPath, '--quiet', '--duration', '300', '--query-port', String(query), '--prometheus-sd', sdFile]);
  running.push(async () => {
    up.child.kill('SIGINT');
    await up.exited;
  });
  await up.waitForOutput(/^ready: /m, 60_000);
  assert.match(up.stdout(), new RegExp(`^prometheus: scrape targets in ${sdFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(file_sd; emptied at the end\\): front 127\\.0\\.0\\.1:\\d+, back 127\\.0\\.0\\.1:\\d+$`, 'm'));
  // up's one request, scraped (so that verify's baseline holds it).
  await eventuallySum(prometheus.url, 'rpc_server_call_duration_count{service="front"}', (sum) => sum === 1);
  return { up, prometheus, topologyPath, query, dir };
}

function verifyArgs(run: { topologyPath: string; query: number; prometheus: PrometheusProcess }, json: string, waitS: number): string[] {
  return ['verify', '--topology', run.topologyPath, '--embedded', '--query-port', String(run.query), '--prometheus', run.prometheus.url, '--requests', String(REQUESTS), '--rate', '40', '--wait', String(waitS), '--json', json];
}

test('verify --prometheus against a real Prometheus scraping a real up --prometheus-sd: every request and injected failure counted, exactly', { skip: SKIP_WITHOUT_PROMETHEUS }, async () => {
  const run = await upScrapedBy();
  const targets = JSON.parse(readFileSync(join(run.dir, 'targets.json'), 'utf8')) as { targets: string[]; labels: Record<string, string> }[];
  assert.deepEqual(targets.map((group) => group.labels), [{ service: 'front', thespian_topology: 'verify-shop' }, { service: 'back', thespian_topology: 'verify-shop' }]);
  const json = join(run.dir, 'result.json');
  const result = await runToExit({}, verifyArgs(run, json, 30), 90_000);
  assert.equal(result.code, 0, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.match(result.stdout, /^ {2}✓ requests +80 +80 +0 {3}counted by every service$/m);
  assert.match(result.stdout, /^PASS: nothing lost/m);
  const report = JSON.parse(readFileSync(json, 'utf8')) as VerifyResult;
  const metrics = report.metrics!;
  assert.equal(metrics.everyService, true);
  assert.deepEqual(metrics.byEndpoint, [
    { endpoint: 'back/A', expected: REQUESTS, counted: REQUESTS },
    { endpoint: 'front/A', expected: REQUESTS, counted: REQUESTS },
  ]);
  // Every INTERNAL answer was one failure injected in back (card network, failure_chance 0.25).
  const internal = report.failureRates.all.failed;
  assert.deepEqual(metrics.injected, { expected: internal, counted: internal, lost: 0, extra: 0, lowerBound: false });
  assert.deepEqual(metrics.missingServices, []);
  assert.equal(report.loss.metrics, 0);

  run.up.child.kill('SIGINT');
  await run.up.exited;
  assert.deepEqual(JSON.parse(readFileSync(join(run.dir, 'targets.json'), 'utf8')), [], 'emptied at the end');
});

test('verify --prometheus when the scrape misses a service: its metrics are reported lost, exit 1', { skip: SKIP_WITHOUT_PROMETHEUS }, async () => {
  const run = await upScrapedBy("      - source_labels: [service]\n        regex: back\n        action: drop\n");
  const json = join(run.dir, 'result.json');
  const result = await runToExit({}, verifyArgs(run, json, 6), 90_000);
  assert.equal(result.code, 1, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.match(result.stdout, /^ {2}✗ requests +80 +40 +40 {3}counted by every service; no series at all from back$/m);
  assert.match(result.stdout, /^FAIL: metrics lost from back, 40 of 80 requests not counted/m);
  assert.match(result.stdout, /^ {2}back\/A {2}requests 40 → 0$/m);
  const report = JSON.parse(readFileSync(json, 'utf8')) as VerifyResult;
  assert.deepEqual(report.metrics!.missingServices, ['back']);
  assert.equal(report.metrics!.requests.lost, REQUESTS);
  assert.equal(report.spans.lost, 0, 'the traces themselves arrived');
});

/** An HTTP server that answers every request with `answer`. */
async function answering(answer: (response: import('node:http').ServerResponse) => void): Promise<{ url: string; close(): void }> {
  const server: Server = createServer((_request, response) => answer(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('verify --prometheus at something that answers 500, garbage, or never: one clear sentence, exit 1, nothing sent', async () => {
  const [front, back] = await freePorts(2);
  const topologyPath = writeJson(tempDir(), 'shop.json', shopTopology({ front, back }));
  const failing = await answering((response) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end('query engine on fire'));
  const garbage = await answering((response) => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]]}]}}'));
  const notJson = await answering((response) => response.writeHead(200).end('<html>a login page</html>'));
  const silent = await blackHole();
  running.push(() => silent.close());
  const cases: [string, RegExp][] = [
    [failing.url, /answered 500 Internal Server Error: query engine on fire/],
    [garbage.url, /answered \/api\/v1\/query with something that is not an instant vector/],
    [notJson.url, /answered something that is not JSON: <html>a login page<\/html>/],
    [silent.endpoint, /cannot reach http:\/\/127\.0\.0\.1:\d+: .*(timeout|abort)/i],
  ];
  for (const [url, reason] of cases) {
    const run = await runToExit({}, ['verify', '--topology', topologyPath, '--embedded', '--prometheus', url, '--requests', '3', '--wait', '1'], 60_000);
    assert.equal(run.code, 1, `${url}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`^thespian verify: Prometheus ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be queried: .*${reason.source}`, 'm'));
    assert.ok(!run.stderr.includes('sending '), 'nothing was sent before the backend was known to answer');
    assert.ok(!run.stderr.includes('    at '), 'no stack trace');
  }
});

test('up --prometheus-sd at a path that cannot be written: exit 2 with the path, before anything starts', async () => {
  const [front, back] = await freePorts(2);
  const dir = tempDir();
  const topologyPath = writeJson(dir, 'shop.json', shopTopology({ front, back }));
  const sdFile = join(dir, 'no-such-folder', 'targets.json');
  const run = await runUp([topologyPath, '--duration', '5', '--quiet', '--prometheus-sd', sdFile], 30_000);
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`--prometheus-sd ${sdFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the file: ENOENT`));
  assert.ok(!run.stdout.includes('ready:'), 'no service started');
});
