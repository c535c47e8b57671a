import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OtlpTraceReceiver, type ReceivedMetricPoint } from '../../src/collector';
import type { UpResult } from '../../src/ensemble';
import { blackHole } from '../support/black-hole';
import { freePorts, runUp, startUp, tempDir, writeJson } from './up-helpers';

const REQUESTS = 40;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

interface MetricsLine {
  type: string;
  service: string;
  requests: number;
  failed: number;
  by_method: Record<string, Record<string, number>>;
  window: { requests: number; rate_per_s: number | null };
}

/** front calls back, whose one step fails at random: each failure the client sees is one call that failed in both. */
async function writeFlaky(dir: string): Promise<string> {
  const [front, back] = await freePorts(2);
  return writeJson(dir, 'flaky.json', {
    name: 'flaky',
    services: {
      front: { port: front, behaviour: { grpc_method_a: { tracing_name: 'front', operations: [{ Action: { CallService: { service: 'back', grpc_method: 'A' } } }] } } },
      back: { port: back, behaviour: { grpc_method_a: { tracing_name: 'back', operations: [{ Action: { Sleep: { tracing_name: 'work', duration_ms: 2, failure_chance: 0.4 } } }] } } },
    },
    entry_points: [{ service: 'front', method: 'A', rps: 20 }],
  });
}

/** Two log records through the real logs SDK and its OTLP/gRPC exporter, to `endpoint`. */
async function sendOtlpLogs(endpoint: string): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sidecar' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: endpoint }) })],
  });
  const inSpan = trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1 }));
  provider.getLogger('test').emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: 'sidecar started', context: inSpan });
  provider.getLogger('test').emit({ severityNumber: SeverityNumber.ERROR, severityText: 'error', body: 'sidecar failed', context: inSpan });
  await provider.shutdown();
}

/** The calls a service's last forwarded export counted (exports are cumulative). */
function lastCount(points: readonly ReceivedMetricPoint[], service: string): number {
  const ofService = points.filter((point) => point.service === service && point.metric === 'rpc.server.call.duration');
  const last = ofService.reduce((latest, point) => (point.timeUnixNano > latest ? point.timeUnixNano : latest), 0n);
  return ofService.filter((point) => point.timeUnixNano === last).reduce((sum, point) => sum + point.histogram!.count, 0);
}

test('the services\' own call counts, after their last export at shutdown, equal what was sent and what failed; --json, --summary-json and --otlp carry them', async () => {
  const dir = tempDir();
  const backend = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  try {
    const jsonPath = join(dir, 'up.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const up = startUp([await writeFlaky(dir), '--requests', String(REQUESTS), '--quiet', '--json', jsonPath, '--summary-json', summaryPath, '--otlp', backend.endpoint]);
    // The embedded collector takes OTLP logs from anyone, and forwards them.
    const [, collector] = await up.waitForOutput(/^collector: OTLP\/gRPC (\S+) \(traces, metrics, logs\)/m);
    await sendOtlpLogs(collector);
    const { code } = await up.exited;
    assert.equal(code, 0, `stderr:\n${up.stderr()}\nstdout:\n${up.stdout()}`);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;
    const { sent, failed } = summary.requests;
    assert.equal(sent, REQUESTS);
    assert.ok(failed > 0 && failed < REQUESTS, `a mix of outcomes (${failed} failed)`);

    // Every call the client made, counted by the services themselves, exactly.
    const calls = Object.fromEntries(summary.services.map((service) => [service.name, service.calls]));
    assert.deepEqual(calls.front?.byMethod, { 'thespian.Thespian/A': { OK: sent - failed, INTERNAL: failed } });
    assert.deepEqual([calls.front?.requests, calls.front?.failed], [sent, failed]);
    assert.deepEqual([calls.back?.requests, calls.back?.failed], [sent, failed], 'every front call reached back, and every failure began there');
    assert.equal(calls.front?.errorRate, failed / sent);
    assert.ok(calls.back?.p50 && calls.back.p50.at_most_ms !== null && calls.back.p50.at_most_ms <= 250, `back's median bucket ${JSON.stringify(calls.back?.p50)}`);

    // --json: a line per service per export, the last one holding the final counts.
    const lines = readFileSync(jsonPath, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as MetricsLine);
    const metricLines = lines.filter((line) => line.type === 'rpc_metrics');
    assert.equal(lines.length - metricLines.length, summary.spans.received, 'the other lines are the spans');
    for (const service of ['front', 'back']) {
      const ofService = metricLines.filter((line) => line.service === service);
      assert.ok(ofService.length >= 2, `${service}: periodic exports and the last one (${ofService.length} lines)`);
      const last = ofService[ofService.length - 1];
      assert.deepEqual([last.requests, last.failed], [sent, failed], service);
      assert.deepEqual(last.by_method, { 'thespian.Thespian/A': { OK: sent - failed, INTERNAL: failed } });
    }

    // The final summary shows the table.
    assert.match(up.stdout(), /^ {4}whole run +calls +req\/s +err +p50 +p99$/m);
    assert.match(up.stdout(), new RegExp(`^ {4}front +${sent} +[\\d.]+ +${((failed / sent) * 100).toFixed(1)}% +[≤>]\\S+ +[≤>]\\S+$`, 'm'));

    // --otlp: the backend got the spans, the metrics and the OTLP logs, and nothing was lost.
    assert.equal(backend.spans().length, summary.spans.received);
    assert.equal(lastCount(backend.metricPoints(), 'front'), sent);
    assert.equal(lastCount(backend.metricPoints(), 'back'), sent);
    // The services' own log records go by OTLP too, and are passed on with the sidecar's.
    const records = backend.logRecords();
    assert.deepEqual(records.filter((record) => record.service === 'sidecar').map((record) => [record.body, record.traceId]), [['sidecar started', TRACE_ID], ['sidecar failed', TRACE_ID]]);
    for (const service of ['front', 'back']) assert.ok(records.some((record) => record.service === service && record.traceId !== ''), `${service}'s step lines were forwarded`);
    const none = { droppedQueueFull: 0, droppedFailed: 0, droppedAtShutdown: 0 };
    assert.deepEqual(summary.forwarded, {
      url: backend.endpoint,
      traces: { sent: summary.spans.received, ...none },
      metrics: { sent: backend.metricPoints().length, ...none },
      logs: { sent: records.length, ...none },
    });
    assert.deepEqual(summary.logLinesBySource.otlp, records.length);
    assert.match(up.stdout(), new RegExp(`^ {2}logs {6}${records.length.toLocaleString('en-US')} OTLP log records received`, 'm'), 'the services\' lines came over OTLP, and the summary says so');
    assert.match(up.stdout(), new RegExp(`^ {2}forward {3}to \\S+: sent [\\d,]+ spans, [\\d,]+ metric data points, ${records.length.toLocaleString('en-US')} log records\n {12}nothing lost$`, 'm'));
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--otlp to a backend that never answers: up still ends in time, exit 0, and says what the backend lost', async () => {
  const dir = tempDir();
  const hole = await blackHole();
  try {
    const summaryPath = join(dir, 'summary.json');
    const started = Date.now();
    const run = await runUp([await writeFlaky(dir), '--requests', '10', '--quiet', '--summary-json', summaryPath, '--otlp', hole.endpoint], 90_000);
    assert.equal(run.code, 0, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
    // Generous: it only catches a stop that waits on the backend (each forwarded request has a 10 s deadline, and there are many).
    assert.ok(Date.now() - started < 60_000, `ended after ${Date.now() - started} ms`);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as UpResult;
    const traces = summary.forwarded!.traces;
    assert.equal(traces.sent, 0);
    assert.equal(traces.droppedAtShutdown + traces.droppedFailed + traces.droppedQueueFull, summary.spans.received, 'every span is counted lost');
    assert.ok(summary.forwarded!.metrics.droppedAtShutdown + summary.forwarded!.metrics.droppedFailed > 0);
    assert.match(run.stdout, new RegExp(`^ {12}lost ${summary.spans.received} spans \\([^)]*cut at shutdown\\); \\d+ metric data points`, 'm'));
  } finally {
    await hole.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
