import { formatMs } from '../common';
import type { LatencyPercentiles } from './latency-histogram';
import type { LoadSummary, StageSummary, StatusCounts, TargetSummary } from './load-result';

/**
 * The summary `load` prints at the end: what was asked, what was achieved, whether the sender
 * kept up, counts by status, then latency percentiles. A pure function of the summary data,
 * so the same figures always print the same way.
 */
export function formatSummary(summary: LoadSummary): string {
  const lines: string[] = [];
  lines.push(headline(summary));
  if (summary.targets.length > 1) lines.push(...targetTable(summary.targets));
  else {
    const [target] = summary.targets;
    lines.push(`  ${target!.method} → ${targetName(target!)}`);
  }
  lines.push('');

  const asked = summary.targetRate;
  const ratio = asked > 0 ? (summary.achievedRate / asked) * 100 : 0;
  lines.push(
    `Requests   ${summary.scheduled} scheduled, ${summary.sent} sent, ${summary.dropped} dropped, ${summary.completed} answered in ${seconds(summary.elapsedS)}`,
  );
  lines.push(`Rate       ${rate(summary.achievedRate)}/s achieved of ${rate(asked)}/s asked (${ratio.toFixed(1)}%)`);
  const lag = summary.sendLagMs;
  if (summary.keptUp) {
    lines.push(`Sending    kept up: send lag p50 ${formatMs(lag.p50, 'measured')}, p99 ${formatMs(lag.p99, 'measured')}, max ${formatMs(lag.max, 'measured')}; ${cpu(summary)}`);
  } else {
    const tolerance = `${summary.lagToleranceMs} ms`;
    lines.push(`Sending    FELL BEHIND: send lag p99 ${formatMs(lag.p99, 'measured')} (tolerance ${tolerance}), max ${formatMs(lag.max, 'measured')};`);
    lines.push(`           ${summary.lateSends} requests went out more than ${tolerance} late: this process`);
    lines.push(`           (${summary.processCpuPercent.toFixed(0)}% of a CPU core) could not send ${rate(asked)}/s. Latencies below`);
    lines.push('           still count from the scheduled times.');
  }
  if (summary.dropped > 0) {
    lines.push(
      `Dropped    ${summary.dropped} (concurrency limit): due while ${summary.concurrencyLimit} requests were in flight; not sent, not queued`,
    );
  }
  if (summary.interrupted) lines.push('Stopped    early (interrupted); the figures cover what was sent until then');
  lines.push('');

  if (summary.stages !== undefined) lines.push(...stageTable(summary.stages), '');
  lines.push(...statusTable(summary.counts, summary.completed));
  const hint = unreachableHint(summary);
  if (hint) lines.push(hint);
  lines.push('');

  if (summary.completed > 0) {
    lines.push(`Latency (ms)      ${['p50', 'p90', 'p99', 'p99.9', 'max'].map((name) => name.padStart(9)).join('')}`);
    lines.push(`  from scheduled  ${percentileRow(summary.latencyMs.fromScheduled)}`);
    lines.push(`  from sent       ${percentileRow(summary.latencyMs.fromSent)}`);
    lines.push('Open loop: "from scheduled" counts from when each request was due, so it includes any');
    lines.push('wait for a late sender (no coordinated omission); "from sent" from when it went out.');
  }
  return lines.join('\n');
}

function headline(summary: LoadSummary): string {
  const count = summary.targets.length;
  const extent =
    summary.durationS !== undefined ? `for ${seconds(summary.durationS)}` : `until ${summary.requestLimit} requests`;
  const limit = summary.concurrencyLimit !== undefined ? `, at most ${summary.concurrencyLimit} in flight` : '';
  if (summary.stages !== undefined) {
    const stages = new Set(summary.stages.map((stage) => stage.stage)).size;
    return `Load: ${count} target${count === 1 ? '' : 's'} in ${stages} stage${stages === 1 ? '' : 's'} (${rate(summary.targetRate)} requests/s on average) ${extent}${limit}, open loop`;
  }
  return `Load: ${count} target${count === 1 ? '' : 's'} at ${rate(summary.targetRate)} requests/s ${extent}${limit}, open loop`;
}

/**
 * One row per stage: the rate it ramps through, what its integral planned against what was sent,
 * its statuses and latencies. Failures by name, so a stage where an outage began stands out.
 */
function stageTable(stages: readonly StageSummary[]): string[] {
  const header = `Stage${' '.repeat(22)}rate/s   planned      sent   dropped    p50 ms    p99 ms  statuses`;
  const rows = stages.map((stage) => {
    const who = stage.target === undefined ? '' : ` ${stage.label ?? `target ${stage.target + 1}`}`;
    const when = `${seconds(stage.startS)}–${seconds(stage.startS + stage.durationS)}`;
    const name = `  ${stage.stage}${who} ${when}`;
    const ramp = stage.fromRate === stage.toRate ? rate(stage.toRate) : `${rate(stage.fromRate)}→${rate(stage.toRate)}`;
    const statuses = orderedCounts(stage.counts).map(([status, count]) => `${status} ${count}`).join(', ') || '-';
    const latency = (ms: number) => (stage.sent > 0 ? ms.toFixed(2) : '-').padStart(10);
    return `${name.padEnd(22)}${ramp.padStart(11)}${String(stage.planned).padStart(10)}${String(stage.sent).padStart(10)}${String(stage.dropped).padStart(10)}${latency(stage.latencyMs.p50)}${latency(stage.latencyMs.p99)}  ${statuses}`;
  });
  return [header, ...rows];
}

function targetName(target: TargetSummary): string {
  return target.label !== undefined ? `${target.label} (${target.address})` : target.address;
}

function targetTable(targets: readonly TargetSummary[]): string[] {
  const names = targets.map(targetName);
  const width = Math.max(6, ...names.map((name) => name.length));
  const header = `  ${'target'.padEnd(width)}  method   rate/s  achieved     sent  dropped  failed`;
  const rows = targets.map((target, index) => {
    const failed = Object.entries(target.counts).reduce((sum, [name, count]) => (name === 'OK' ? sum : sum + (count ?? 0)), 0);
    return `  ${names[index]!.padEnd(width)}  ${target.method.padEnd(6)}${rate(target.rate).padStart(9)}${rate(target.achievedRate).padStart(10)}${String(target.sent).padStart(9)}${String(target.dropped).padStart(9)}${String(failed).padStart(8)}`;
  });
  return [header, ...rows];
}

function statusTable(counts: StatusCounts, completed: number): string[] {
  const entries = orderedCounts(counts);
  if (entries.length === 0) return ['Status     no answers'];
  const width = Math.max(16, ...entries.map(([name]) => name.length));
  const lines = [`${'Status'.padEnd(width + 2)}${'count'.padStart(9)}${'share'.padStart(9)}`];
  for (const [name, count] of entries) {
    const share = completed > 0 ? (count / completed) * 100 : 0;
    lines.push(`  ${name.padEnd(width)}${String(count).padStart(9)}${share.toFixed(1).padStart(8)}%`);
  }
  return lines;
}

/** OK first, then the failures from most to least frequent (ties by name, for a stable order). */
export function orderedCounts(counts: StatusCounts): [string, number][] {
  const entries = Object.entries(counts).filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0);
  return entries.sort(([a, countA], [b, countB]) => {
    if (a === 'OK' || b === 'OK') return a === 'OK' ? -1 : 1;
    return countB - countA || a.localeCompare(b);
  });
}

function unreachableHint(summary: LoadSummary): string | undefined {
  const names = Object.keys(summary.counts);
  if (names.length !== 1 || names[0] !== 'UNAVAILABLE') return undefined;
  const addresses = summary.targets.map((target) => target.address).join(', ');
  return `Every request failed with UNAVAILABLE: is a Thespian listening at ${addresses}?`;
}

function percentileRow(p: LatencyPercentiles): string {
  return [p.p50, p.p90, p.p99, p.p99_9, p.max].map((value) => value.toFixed(2).padStart(9)).join('');
}

function cpu(summary: LoadSummary): string {
  return `this process used ${summary.processCpuPercent.toFixed(0)}% of a CPU core`;
}

function rate(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function seconds(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(2)} s`;
}
