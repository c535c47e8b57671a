import { formatPercent } from '../common';
import { linesLost, type IncidentsReport, type MetricsReport, type RateComparison, type TraceReport, type VerifyResult, type WindowReport } from './verify-result';

/** How many of the worst traces the details list. */
const WORST_SHOWN = 10;

/**
 * The report `verify` prints: a table that answers "did my pipeline lose anything?" at a
 * glance (each row marked ✓ or ✗), a PASS/FAIL line, then the details: failure rates per entry
 * point and the worst traces with what they lack. A pure function of the result.
 */
export function formatReport(result: VerifyResult): string {
  const lines = [...headerLines(result), '', ...tableLines(result), '', verdictLine(result)];
  const details = [
    ...backendErrorLines(result),
    ...metricsLines(result.metrics),
    ...rateLines(result.failureRates),
    ...windowLines(result.incidents),
    ...worstTraceLines(result.traceReports),
    ...alsoLines(result.spans),
  ];
  if (details.length > 0) {
    lines.push('');
    lines.push(...details);
    while (lines[lines.length - 1] === '') lines.pop();
  }
  return lines.join('\n');
}

function headerLines(result: VerifyResult): string[] {
  const backends = [result.traceBackend, result.logBackend, result.metrics?.backend].filter(Boolean).join(', ');
  const targets = result.requests.targets.map((target) => `${target.endpoint} ${target.sent}`).join(', ');
  const extended = result.incidents?.extended;
  const sending = extended
    ? `${result.requests.sent} requests over ${seconds(result.requests.elapsedS)}, to cover the incidents' first windows (--requests ${extended.asked} would have ended sooner)`
    : `${result.requests.sent} requests in ${seconds(result.requests.elapsedS)}`;
  return [
    `Verify: ${result.topology} via ${backends}`,
    `  ${sending} (${targets}); ${result.requests.answered} answered, ${result.requests.traced} with a trace id`,
    `  waited ${seconds(result.waitedS)} for ingestion (limit ${seconds(result.waitLimitS)})`,
  ];
}

/** The table: one row per thing that can be lost or wrong, each marked ✓ or ✗. */
function tableLines(result: VerifyResult): string[] {
  const { traces, spans } = result;
  const tracesOk = traces.partial === 0 && traces.missing === 0;
  const lines = [`    ${''.padEnd(14)}${'expected'.padStart(10)}${'found'.padStart(10)}${'lost'.padStart(10)}`];
  lines.push(
    row(tracesOk, 'traces', result.requests.traced, traces.complete + traces.partial, traces.missing, `${traces.complete} complete, ${traces.partial} partial, ${traces.missing} missing`),
  );
  lines.push(row(spans.lost === 0, 'spans', spans.expected, spans.found, spans.lost, `${formatPercent(result.loss.spans)} lost`));
  lines.push(`  ${mark(spans.brokenLinks === 0)} ${'parent links'.padEnd(14)}${''.padStart(20)}${count(spans.brokenLinks).padStart(10)}   broken (a span whose parent is not in the trace)`);
  if (result.statusProblems > 0) {
    lines.push(`  ${mark(false)} ${'root status'.padEnd(14)}${''.padStart(30)}   ${result.statusProblems === 1 ? '1 trace disagrees with the answer its request got' : `${result.statusProblems} traces disagree with the answers their requests got`}`);
  }
  if (result.logLines) {
    const logs = result.logLines;
    lines.push(row(logs.lost === 0, 'log lines', logs.expected, logs.found, logs.lost, `${formatPercent(result.loss.logLines ?? 0)} lost (LOG_LEVEL ${logs.level})`));
  } else {
    lines.push(`  - ${'log lines'.padEnd(14)}${''.padStart(30)}   not checked (give --loki URL)`);
  }
  lines.push(...metricsRows(result.metrics));
  const all = result.failureRates.all;
  lines.push(`  ${mark(all.consistent)} ${'failure rate'.padEnd(14)}${rateSentence(all)}`);
  if (result.incidents) lines.push(incidentsRow(result.incidents));
  return lines;
}

/** One row for the incident windows: whether each played window failed as predicted inside it, and the rest as outside. */
function incidentsRow(incidents: IncidentsReport): string {
  const played = incidents.windows.filter((window) => window.play === 'played');
  const refused = incidents.windows.filter((window) => window.play === 'refused').length;
  const notPlayed = incidents.windows.filter((window) => window.play === 'not played').length;
  const inconsistent = played.filter((window) => window.rate.requests > 0 && !window.rate.consistent).length + (incidents.outside.consistent ? 0 : 1);
  const parts = [`${played.length} window${played.length === 1 ? '' : 's'} played`];
  if (refused > 0) parts.push(`${refused} refused`);
  if (notPlayed > 0) parts.push(`${notPlayed} not played`);
  const verdict = inconsistent === 0 ? 'failure rates consistent inside and outside' : `${inconsistent} failure rate${inconsistent === 1 ? '' : 's'} NOT consistent`;
  const ok = inconsistent === 0 && refused === 0 && notPlayed === 0;
  const label = `${'incidents'.padEnd(14)}${''.padStart(30)}   `;
  if (notPlayed === incidents.windows.length) return `  - ${label}not played (${notPlayed} window${notPlayed === 1 ? '' : 's'} during sending; see below)`;
  return `  ${mark(ok)} ${label}${parts.join(', ')}; ${verdict} (see below)`;
}

/** The metrics rows: requests the backend counted against those served, injected failures against those the traces show. */
function metricsRows(metrics: MetricsReport | undefined): string[] {
  if (!metrics) return [`  - ${'metrics'.padEnd(14)}${''.padStart(30)}   not checked (give --prometheus URL)`];
  const { requests, injected } = metrics;
  const extra = (part: { extra: number }) => (part.extra > 0 ? `; ${count(part.extra)} more than verify caused (traffic from elsewhere?)` : '');
  const missing = metrics.missingServices.length > 0 ? `; no series at all from ${metrics.missingServices.join(', ')}` : '';
  const scope = metrics.everyService ? 'every service' : 'the entry points only (some traces incomplete)';
  return [
    row(requests.lost === 0, 'requests', requests.expected, requests.counted, requests.lost, `counted by ${scope}${missing}${extra(requests)}`),
    row(injected.lost === 0, 'injected', injected.expected, injected.counted, injected.lost, `failures seen in the traces${injected.lowerBound ? ' (at least)' : ''}${extra(injected)}`),
  ];
}

// Each part of the details below ends with an empty line, and is none at all when it has nothing to say.

function backendErrorLines(result: VerifyResult): string[] {
  if (result.backendErrors.count > 0) return [`Backend errors: ${result.backendErrors.count} queries failed (not 404); the last: ${result.backendErrors.last}`, ''];
  return [];
}

function metricsLines(metrics: MetricsReport | undefined): string[] {
  if (!metrics) return [];
  const wrong = metrics.byEndpoint.filter((entry) => entry.counted !== entry.expected);
  const wrongInjected = metrics.injectedByService.filter((entry) => entry.counted !== entry.expected);
  const lines: string[] = [];
  if (metrics.backendError) lines.push(`Metrics: the last query failed: ${metrics.backendError}`);
  if (wrong.length > 0 || wrongInjected.length > 0) {
    lines.push(`Metrics that differ (${metrics.backend}, after ${seconds(metrics.waitedS)}): expected → counted`);
    for (const entry of wrong) lines.push(`  ${entry.endpoint}  requests ${count(entry.expected)} → ${count(entry.counted)}`);
    for (const entry of wrongInjected) lines.push(`  ${entry.service}  injected failures ${count(entry.expected)} → ${count(entry.counted)}`);
  }
  if (metrics.unattributedSeries > 0) lines.push(`  (${metrics.unattributedSeries} series named no service of the topology: no service, service_name, target_info or job label matched)`);
  return lines.length > 0 ? [...lines, ''] : [];
}

function rateLines(rates: VerifyResult['failureRates']): string[] {
  if (rates.byEndpoint.length <= 1 && rates.all.consistent) return [];
  const lines = ['Failure rate by entry point (95% Wilson interval of the observed rate)'];
  const width = Math.max(8, ...rates.byEndpoint.map((rate) => rate.endpoint.length));
  for (const rate of rates.byEndpoint) {
    lines.push(
      `  ${mark(rate.consistent)} ${rate.endpoint.padEnd(width)}  predicted ${formatPercent(rate.predicted).padStart(7)}${rate.predictedExact ? '' : '~'}  observed ${formatPercent(rate.observed).padStart(7)} (${rate.failed}/${rate.requests})  CI ${formatPercent(rate.low)}–${formatPercent(rate.high)}`,
    );
  }
  if (!rates.all.consistent) {
    lines.push('  The prediction lies outside the interval: the services do not fail as configured (a different');
    lines.push('  topology file, a seed, or failures that are not Thespian\'s own, e.g. a mesh refusing calls).');
  }
  lines.push('');
  return lines;
}

function windowLines(incidents: IncidentsReport | undefined): string[] {
  if (!incidents) return [];
  const lines = [
    `Incident windows (from the start of traffic; 95% Wilson interval; ${incidents.edge} request${incidents.edge === 1 ? '' : 's'} sent within ${incidents.marginMs} ms of a window's edge left out)`,
  ];
  const labels = incidents.windows.map((window) => `"${window.incident}" #${window.occurrence + 1} ${offset(window.startMs)}–${offset(window.endMs)}`);
  const width = Math.max(22, ...labels.map((label) => label.length));
  incidents.windows.forEach((window, index) => lines.push(windowRow(window, labels[index].padEnd(width))));
  lines.push(`  ${mark(incidents.outside.consistent)} ${'outside all windows'.padEnd(width)}  ${rateColumns(incidents.outside)}  (the baseline)`);
  lines.push('');
  return lines;
}

function windowRow(window: WindowReport, label: string): string {
  if (window.play === 'refused') return `  ✗ ${label}  refused: ${(window.reason ?? '').replace(/\n/g, '; ')}`;
  if (window.play === 'not played') return `  - ${label}  not played (${window.rate.requests} requests sent in it, ${formatPercent(window.rate.observed)} failed)`;
  if (window.rate.requests === 0) return `  - ${label}  no request was sent in it`;
  const atIncident = window.rate.failed > 0 ? `; failed at the incident's span: ${window.failedAtIncident}/${window.failedTraced} traced` : '';
  return `  ${mark(window.rate.consistent)} ${label}  ${rateColumns(window.rate)}${atIncident}`;
}

function rateColumns(rate: RateComparison): string {
  return `${String(rate.requests).padStart(5)} requests  predicted ${formatPercent(rate.predicted).padStart(7)}${rate.predictedExact ? '' : '~'}  observed ${formatPercent(rate.observed).padStart(7)} (${rate.failed}/${rate.requests})  CI ${formatPercent(rate.low)}–${formatPercent(rate.high)}`;
}

/** ms from the start of traffic as "+4.0 s". */
function offset(ms: number): string {
  return `+${(ms / 1000).toFixed(1)} s`;
}

function worstTraceLines(reports: readonly TraceReport[]): string[] {
  const withProblem = reports.filter((report) => report.verdict !== 'complete' || linesLost(report) > 0);
  if (withProblem.length === 0) return [];
  const worst = withProblem.slice(0, WORST_SHOWN);
  const total = withProblem.length;
  const title = total > worst.length ? `Worst traces (the worst ${worst.length} of ${total} with a problem)` : `Traces with a problem (${total})`;
  return [title, ...worst.flatMap(traceLines), ''];
}

function alsoLines(spans: VerifyResult['spans']): string[] {
  const parts = [];
  if (spans.unplaced > 0) parts.push(`${spans.unplaced} spans the prediction has no place for (other services' spans in the same trace, or a config that differs from the topology file)`);
  if (spans.duplicates > 0) parts.push(`${spans.duplicates} spans read back twice (same span id)`);
  return parts.length === 0 ? [] : [`Also: ${parts.join('; ')}.`, ''];
}

function verdictLine(result: VerifyResult): string {
  const limit = `--max-loss ${formatPercent(result.loss.max)}`;
  if (!result.loss.exceeded) {
    const lost = result.spans.lost === 0 && (result.logLines?.lost ?? 0) === 0 && (result.loss.metrics ?? 0) === 0;
    return `PASS: ${lost ? 'nothing lost' : 'losses within the limit'} (${limit})`;
  }
  const problems: string[] = [];
  if (result.spans.lost > 0) problems.push(`${count(result.spans.lost)} of ${count(result.spans.expected)} spans lost (${formatPercent(result.loss.spans)})`);
  if (result.traces.missing > 0) problems.push(`${result.traces.missing} trace${result.traces.missing === 1 ? '' : 's'} missing`);
  if (result.logLines && result.logLines.lost > 0) problems.push(`${count(result.logLines.lost)} of ${count(result.logLines.expected)} log lines lost (${formatPercent(result.loss.logLines ?? 0)})`);
  problems.push(...metricsProblems(result.metrics));
  return `FAIL: ${problems.join(', ')}; more than ${limit}`;
}

function metricsProblems(metrics: MetricsReport | undefined): string[] {
  if (!metrics) return [];
  const problems: string[] = [];
  if (metrics.missingServices.length > 0) problems.push(`metrics lost from ${metrics.missingServices.join(', ')}`);
  if (metrics.requests.lost > 0) problems.push(`${count(metrics.requests.lost)} of ${count(metrics.requests.expected)} requests not counted`);
  if (metrics.injected.lost > 0) problems.push(`${count(metrics.injected.lost)} of ${count(metrics.injected.expected)} injected failures not counted`);
  return problems;
}

function traceLines(report: TraceReport): string[] {
  if (report.verdict === 'missing') {
    const lines = report.logLines ? `; its log lines: ${report.logLines.found} found` : '';
    return [`  ${report.traceId}  ${report.endpoint}  ${report.status}  missing: not found (at least ${report.required} spans expected)${lines}`];
  }
  const facts = [`${report.found}/${report.required} spans`];
  if (report.lost > 0) facts.push(`lost ${report.lost}`);
  if (report.brokenLinks > 0) facts.push(`${report.brokenLinks} broken link${report.brokenLinks === 1 ? '' : 's'}`);
  if (report.logLines) facts.push(`log lines ${report.logLines.found}/${report.logLines.expected}`);
  const lines = [`  ${report.traceId}  ${report.endpoint}  ${report.status}  ${report.verdict}: ${facts.join(', ')}`];
  if (report.lostSpans.length > 0) {
    const byKey = new Map<string, number>();
    for (const key of report.lostSpans) byKey.set(key, (byKey.get(key) ?? 0) + 1);
    const shown = [...byKey].slice(0, 4).map(([key, times]) => `${key}${times > 1 ? ` ×${times}` : ''}`);
    const more = byKey.size > 4 ? `, … ${byKey.size - 4} more` : '';
    lines.push(`      missing: ${shown.join(', ')}${more}`);
  }
  if (report.statusProblem) lines.push(`      ${report.statusProblem}`);
  return lines;
}

function row(ok: boolean, label: string, expected: number, found: number, lost: number, note: string): string {
  return `  ${mark(ok)} ${label.padEnd(14)}${count(expected).padStart(10)}${count(found).padStart(10)}${count(lost).padStart(10)}   ${note}`;
}

function rateSentence(rate: RateComparison): string {
  const predicted = `${formatPercent(rate.predicted)} predicted${rate.predictedExact ? '' : ' (estimated)'}`;
  const observed = `${formatPercent(rate.observed)} observed (${rate.failed}/${rate.requests})`;
  return `${predicted}, ${observed}, 95% CI ${formatPercent(rate.low)}–${formatPercent(rate.high)}: ${rate.consistent ? 'consistent' : 'NOT consistent'}`;
}

function mark(ok: boolean): string {
  return ok ? '✓' : '✗';
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function seconds(value: number): string {
  return value >= 10 ? `${value.toFixed(0)} s` : `${value.toFixed(1)} s`;
}
