import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReport, wilsonInterval, type RateComparison, type TraceReport, type VerifyResult, type WindowReport } from '../../src/verify';

// Compares with a file under snapshots/; run with UPDATE_SNAPSHOTS=1 to rewrite them after an
// intended change of the report, then read the diff.
function matchesSnapshot(name: string, actual: string): void {
  const path = join(__dirname, 'snapshots', `${name}.txt`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) writeFileSync(path, `${actual}\n`);
  assert.equal(`${actual}\n`, readFileSync(path, 'utf8'));
}

function rate(endpoint: string, failed: number, requests: number, predicted: number): RateComparison {
  const { low, high } = wilsonInterval(failed, requests);
  return { endpoint, requests, failed, observed: failed / requests, low, high, predicted, predictedExact: true, consistent: predicted >= low && predicted <= high };
}

const complete = (traceId: string, status = 'OK'): TraceReport => ({
  traceId, endpoint: 'frontend/A', status, verdict: 'complete', found: 36, required: 36, lost: 0, lostSpans: [], brokenLinks: 0, unplaced: 0, duplicates: 0,
  logLines: { expected: 25, found: 25 },
});

const base: VerifyResult = {
  topology: 'shop',
  traceBackend: 'Tempo http://localhost:3200',
  logBackend: 'Loki http://localhost:3100',
  requests: { sent: 150, answered: 150, traced: 150, elapsedS: 7.5, targets: [{ endpoint: 'frontend/A', address: '127.0.0.1:7100', sent: 100 }, { endpoint: 'frontend/B', address: '127.0.0.1:7100', sent: 50 }] },
  waitedS: 1.4,
  waitLimitS: 30,
  traces: { complete: 150, partial: 0, missing: 0 },
  spans: { expected: 4100, found: 4100, lost: 0, brokenLinks: 0, unplaced: 0, duplicates: 0 },
  statusProblems: 0,
  logLines: { level: 'info', expected: 2850, found: 2850, lost: 0 },
  failureRates: { all: rate('all', 9, 150, 0.0522), byEndpoint: [rate('frontend/A', 9, 100, 0.0783), rate('frontend/B', 0, 50, 0)] },
  loss: { spans: 0, logLines: 0, max: 0, exceeded: false },
  backendErrors: { count: 0 },
  traceReports: [complete('4bf92f3577b34da6a3ce929d0e0e4736')],
};

test('report of a clean run: the table, then PASS', () => {
  matchesSnapshot('report-clean', formatReport(base));
});

test('report of a lossy pipeline: ✗ rows, FAIL with the figures, worst traces after', () => {
  const reports: TraceReport[] = [
    { ...complete('0af7651916cd43dd8448eb211c80319c'), verdict: 'missing', found: 0, required: 36, lost: 36, lostSpans: Array(36).fill('frontend INTERNAL x'), logLines: { expected: 24, found: 0 } },
    {
      ...complete('5b8efff798038103d269b633813fc60c', 'INTERNAL'),
      verdict: 'partial', found: 30, required: 36, lost: 6, brokenLinks: 2,
      lostSpans: ['orders INTERNAL create order', 'payments SERVER grpc.thespian.Thespian/A', 'payments INTERNAL authorise payment', 'payments INTERNAL check fraud score', 'payments INTERNAL tokenise card', 'payments INTERNAL call card network'],
      statusProblem: 'the request failed with INTERNAL but its root span has no ERROR status',
      logLines: { expected: 27, found: 21 },
    },
    complete('4bf92f3577b34da6a3ce929d0e0e4736'),
  ];
  const lossy: VerifyResult = {
    ...base,
    traceBackend: 'Jaeger http://localhost:16686',
    traces: { complete: 148, partial: 1, missing: 1 },
    spans: { expected: 4100, found: 4058, lost: 42, brokenLinks: 2, unplaced: 3, duplicates: 0 },
    statusProblems: 1,
    logLines: { level: 'info', expected: 2850, found: 2820, lost: 30 },
    failureRates: { all: rate('all', 30, 150, 0.0522), byEndpoint: [rate('frontend/A', 30, 100, 0.0783), rate('frontend/B', 0, 50, 0)] },
    loss: { spans: 42 / 4100, logLines: 30 / 2850, max: 0.001, exceeded: true },
    backendErrors: { count: 2, last: 'http://localhost:16686 answered 503 Service Unavailable: overloaded' },
    traceReports: reports,
  };
  const text = formatReport(lossy);
  matchesSnapshot('report-lossy', text);
  const at = (pattern: RegExp) => text.search(pattern);
  assert.ok(at(/✗ traces/) < at(/^FAIL/m) && at(/^FAIL/m) < at(/^Traces with a problem/m), 'the table first, the verdict, then the details');
});

test('report with metrics counted from the entry points only: lost and extra counts, each said', () => {
  const result: VerifyResult = {
    ...base,
    traces: { complete: 149, partial: 1, missing: 0 },
    metrics: {
      backend: 'Prometheus http://localhost:9090',
      everyService: false,
      requests: { expected: 150, counted: 153, lost: 2, extra: 5 },
      injected: { expected: 9, counted: 7, lost: 2, extra: 0, lowerBound: true },
      byEndpoint: [
        { endpoint: 'frontend/A', expected: 100, counted: 98 },
        { endpoint: 'frontend/B', expected: 50, counted: 55 },
      ],
      injectedByService: [{ service: 'orders', expected: 9, counted: 7 }],
      missingServices: [],
      unattributedSeries: 3,
      waitedS: 30,
    },
    loss: { spans: 0, logLines: 0, metrics: 2 / 9, max: 0, exceeded: true },
  };
  const text = formatReport(result);
  matchesSnapshot('report-metrics', text);
  assert.match(text, /^ {2}✗ requests +150 +153 +2 {3}counted by the entry points only \(some traces incomplete\); 5 more than verify caused/m);
  assert.match(text, /^FAIL: 2 of 150 requests not counted, 2 of 9 injected failures not counted; more than --max-loss 0%$/m);
});

test('report with incident windows: one table row, the header says why more was sent, a row per window (played, refused, not sent in) and the baseline', () => {
  const window = (incident: string, occurrence: number, startMs: number, rate: RateComparison, extra: Partial<WindowReport> = {}): WindowReport => ({
    incident, service: 'payments', occurrence, startMs, endMs: startMs + 4000, play: 'played', rate, failedTraced: rate.failed, failedAtIncident: rate.failed, ...extra,
  });
  const result: VerifyResult = {
    ...base,
    requests: { ...base.requests, elapsedS: 30 },
    incidents: {
      windows: [
        window('payments outage', 0, 4000, rate('payments outage', 70, 70, 1)),
        window('slow cart', 0, 10_000, rate('slow cart', 5, 70, 0.0783), { failedAtIncident: 0 }),
        window('payments outage', 1, 24_000, rate('payments outage', 1, 70, 1), { play: 'refused', reason: '127.0.0.1:7104: admin API refused: wrong token, or THESPIAN_ADMIN_TOKEN not set on the instance' }),
        window('late one', 0, 29_900, rate('late one', 0, 0, 0)),
      ],
      outside: rate('outside', 20, 330, 0.0522),
      edge: 60,
      marginMs: 250,
      extended: { asked: 100, sent: 150, durationS: 30 },
    },
  };
  const text = formatReport(result);
  matchesSnapshot('report-incidents', text);
  assert.match(text, /^ {2}150 requests over 30 s, to cover the incidents' first windows \(--requests 100 would have ended sooner\)/m);
  assert.match(text, /^ {2}✗ incidents +3 windows played, 1 refused; failure rates consistent inside and outside \(see below\)$/m);
  assert.match(text, /^ {2}✗ "payments outage" #2 \+24\.0 s–\+28\.0 s +refused: 127\.0\.0\.1:7104: admin API refused/m);
  assert.match(text, /^ {2}- "late one" #1 \+29\.9 s–\+33\.9 s +no request was sent in it$/m);
  assert.match(text, /^PASS: nothing lost/m, 'windows do not change the verdict');
});

test('the Wilson interval: known values, and never outside [0, 1]', () => {
  const { low, high } = wilsonInterval(10, 100);
  assert.ok(Math.abs(low - 0.0552) < 5e-4 && Math.abs(high - 0.1744) < 5e-4, `${low} ${high}`);
  assert.deepEqual(wilsonInterval(0, 20).low, 0);
  assert.ok(wilsonInterval(20, 20).high <= 1 && wilsonInterval(20, 20).low > 0.8);
});
