import { endpointName, formatMs, formatPercent, LINE_LEVELS } from '../common';
import { totalLines, type LineCounts, type SpanShape } from '../probability';
import type { EndpointPrediction, LatencySummary } from './predictor';
import type { WindowPrediction } from './window-predictions';

/**
 * A prediction as text: the summary first (failure, spans, log lines, latency), then what a
 * request does inside each incident's windows (a topology's `incidents`), then the span tree,
 * then the notes that say what is estimated and what is assumed.
 */
export function formatPrediction(prediction: EndpointPrediction, windows: readonly WindowPrediction[] = []): string[] {
  const lines: string[] = [];
  const endpoint = endpointName(prediction.service, prediction.method);
  const title = prediction.functionName ? `${endpoint}  "${prediction.functionName}"` : `${endpoint}  (no behaviour: answers OK at once)`;
  lines.push(title);
  lines.push(`  fails       ${failureLine(prediction)}`);
  const known = prediction.spansKnown ? '' : ' (plus the spans of calls outside the services predicted)';
  lines.push(`  spans       ${prediction.successSpans} when it succeeds${known}; ${mean(prediction.meanSpans)} per request on average`);
  lines.push(`  log lines   ${logLinesLine(prediction.logLines)}`);
  lines.push(`  latency     ${latencyLine(prediction)}`);
  if (windows.length > 0) {
    lines.push('');
    lines.push('  Inside incident windows (each reckoned with its own incident alone; the figures above are outside them):');
    for (const window of windows) lines.push(...windowLines(window, endpoint));
  }
  lines.push('');
  lines.push(...drawTree(prediction.shape));
  const byService = new Map<string, number>();
  for (const entry of prediction.spansByKey) byService.set(entry.service, (byService.get(entry.service) ?? 0) + entry.count);
  lines.push('');
  lines.push(`  spans by service (success): ${[...byService].map(([service, count]) => `${service} ${count}`).join(', ')}`);
  lines.push('  ∥ marks steps that run together; a call makes one CLIENT span per attempt sent.');
  const notes = [
    ...prediction.notes.map((note) => `${note.category === 'estimate' ? 'estimated' : 'assumed'}: ${note.text}`),
    'assumed: network and processing time are left out (about a millisecond per call on one machine)',
  ];
  lines.push('');
  lines.push('Notes');
  for (const note of notes) lines.push(...wrap(note, 96).map((text, index) => `${index === 0 ? '  - ' : '    '}${text}`));
  return lines;
}

function windowLines(window: WindowPrediction, endpoint: string): string[] {
  const title = `  inside "${window.incident.name}" (${incidentWhen(window.incident)})`;
  if (!window.reaches) {
    const where = [window.incident.service, window.incident.method, window.incident.step].filter(Boolean).join(' › ');
    return [`${title}: no change, ${endpoint} never reaches ${where}`];
  }
  return [title, `    fails       ${failureLine(window.prediction)}`, `    latency     ${latencyLine(window.prediction)}`];
}

/** "payments, +4 s for 4 s, every 20 s": where and when an incident's windows are. */
export function incidentWhen(incident: WindowPrediction['incident']): string {
  const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;
  const every = incident.repeatEveryMs !== undefined ? `, every ${seconds(incident.repeatEveryMs)}` : '';
  return `${incident.service}, +${seconds(incident.atMs)} for ${seconds(incident.forMs)}${every}`;
}

function failureLine(prediction: EndpointPrediction): string {
  const { probability, byCode, exact } = prediction.failure;
  if (probability <= 0) return '0% of requests: it cannot fail';
  const codes = Object.entries(byCode)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([code, p]) => `${code} ${formatPercent(p ?? 0)}`)
    .join(', ');
  return `${formatPercent(probability)} of requests (${exact ? 'exact' : 'estimated, see notes'}): ${codes}`;
}

function logLinesLine(lines: EndpointPrediction['logLines']): string {
  const levels = (counts: LineCounts) =>
    LINE_LEVELS
      .filter((level) => counts[level] > 0)
      .map((level) => `${level} ${mean(counts[level])}`)
      .join(', ');
  const success = lines.success ? `${mean(totalLines(lines.success))} when it succeeds; ` : '';
  return `${success}${mean(totalLines(lines.mean))} per request on average (${levels(lines.mean) || 'none'}), at LOG_LEVEL info`;
}

function latencyLine(prediction: EndpointPrediction): string {
  const { success, all } = prediction.latencyMs;
  const describe = (summary: LatencySummary) =>
    summary.fixedMs !== undefined ? `${formatMs(summary.fixedMs)}` : `p50 ${formatMs(summary.p50)}, p99 ${formatMs(summary.p99)}`;
  const how = (summary: LatencySummary) =>
    summary.method === 'exact' ? 'exact' : `Monte Carlo, ${prediction.samples.toLocaleString('en-US')} draws, seed ${prediction.seed}`;
  const parts: string[] = [];
  if (success) {
    const what = success.fixedMs !== undefined ? 'critical path' : '';
    parts.push(`${describe(success)} when it succeeds (${[what, how(success)].filter(Boolean).join(', ')})`);
  }
  if (prediction.failure.probability > 0 || !success) parts.push(`${describe(all)} over all requests (${how(all)})`);
  return parts.join('; ');
}

interface TreeRow {
  readonly service: string;
  readonly label: string;
  readonly detail: string;
  readonly pFail: number;
}

function drawTree(root: SpanShape): string[] {
  const rows: TreeRow[] = [];
  const visit = (shape: SpanShape, prefix: string, childPrefix: string, concurrent: boolean, repeat: string) => {
    const name = shape.step ? shape.name : `${shape.kind} ${shape.name}`;
    const detail = shape.step ? `${shape.step}${shape.detail ? ` ${shape.detail}` : ''}` : shape.external ? `→ ${shape.external} (outside: not predicted)` : '';
    rows.push({ service: shape.service, label: `${prefix}${concurrent ? '∥ ' : ''}${name}${repeat}`, detail, pFail: shape.pFail });
    const children: { shape: SpanShape; concurrent: boolean; repeat: string }[] = [];
    for (const group of shape.groups) for (const child of group) children.push({ shape: child, concurrent: group.length > 1, repeat: '' });
    if (shape.attempt) {
      const { maxAttempts, retries } = shape.attempt;
      const repeat = retries ? `  ×1–${maxAttempts}` : '';
      children.push({ shape: shape.attempt.shape, concurrent: false, repeat });
    }
    children.forEach((child, index) => {
      const last = index === children.length - 1;
      visit(child.shape, `${childPrefix}${last ? '└ ' : '├ '}`, `${childPrefix}${last ? '  ' : '│ '}`, child.concurrent, child.repeat);
    });
  };
  visit(root, '', '', false, '');
  const serviceWidth = Math.max(7, ...rows.map((row) => row.service.length));
  const labelWidth = Math.min(60, Math.max(...rows.map((row) => [...row.label].length)));
  const lines = [`  ${'service'.padEnd(serviceWidth)}  ${'span'.padEnd(labelWidth)}  ${'fails'.padStart(6)}  what`];
  let previous = '';
  for (const row of rows) {
    const service = row.service === previous ? '' : row.service;
    previous = row.service;
    const label = padColumns(row.label, labelWidth);
    const fails = row.pFail > 0 ? formatPercent(row.pFail) : '';
    lines.push(`  ${service.padEnd(serviceWidth)}  ${label}  ${fails.padStart(6)}  ${row.detail}`.trimEnd());
  }
  return lines;
}

function padColumns(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text + ' '.repeat(width - chars.length) : `${chars.slice(0, width - 1).join('')}…`;
}

function mean(value: number): string {
  const whole = Math.round(value);
  return Math.abs(value - whole) < 1e-9 ? String(whole) : value.toFixed(2);
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
