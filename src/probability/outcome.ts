import type { LineLevel, StatusName } from '../common';
import { addDurations, maxOfDurations, mixDurations, ZERO, type Duration } from './duration';

/** Mean log lines by level. */
export type LineCounts = Readonly<Record<LineLevel, number>>;

export const NO_LINES: LineCounts = { info: 0, warn: 0, error: 0 };

/**
 * One way a step (or a whole request) can end: its status code, the probability of ending so,
 * how long it takes then, and the mean spans and log lines it makes then.
 *
 * `tag` tells apart branches of one code that later steps treat differently (a CallService
 * answers UNAVAILABLE for an injected network failure but INTERNAL when the callee itself said
 * UNAVAILABLE); branches merge only when code and tag agree.
 */
export interface Branch {
  readonly code: StatusName;
  readonly p: number;
  readonly duration: Duration;
  readonly spans: number;
  readonly lines: LineCounts;
  readonly tag?: string;
}

/** Every way a step can end; the probabilities add up to 1. */
export interface Outcome {
  readonly branches: readonly Branch[];
}

export function addLines(a: LineCounts, b: LineCounts): LineCounts {
  return { info: a.info + b.info, warn: a.warn + b.warn, error: a.error + b.error };
}

export function totalLines(lines: LineCounts): number {
  return lines.info + lines.warn + lines.error;
}

/** A step that always succeeds. */
export function certain(duration: Duration, spans = 0, lines: LineCounts = NO_LINES): Outcome {
  return { branches: [{ code: 'OK', p: 1, duration, spans, lines }] };
}

const NOTHING: Outcome = certain(ZERO);

/** The probability of each code; OK included. */
export function codeProbabilities(outcome: Outcome): Map<StatusName, number> {
  const byCode = new Map<StatusName, number>();
  for (const branch of outcome.branches) byCode.set(branch.code, (byCode.get(branch.code) ?? 0) + branch.p);
  return byCode;
}

export function failureProbability(outcome: Outcome): number {
  return outcome.branches.reduce((sum, branch) => (branch.code === 'OK' ? sum : sum + branch.p), 0);
}

export function meanSpans(outcome: Outcome): number {
  return outcome.branches.reduce((sum, branch) => sum + branch.p * branch.spans, 0);
}

export function meanLines(outcome: Outcome): LineCounts {
  return outcome.branches.reduce<LineCounts>((sum, branch) => addLines(sum, scaleLines(branch.lines, branch.p)), NO_LINES);
}

/** The step runs inside its own span, whose start is logged at info. */
export function inSpan(outcome: Outcome): Outcome {
  return mapBranches(outcome, (branch) => ({ ...branch, spans: branch.spans + 1, lines: addLines(branch.lines, { info: 1, warn: 0, error: 0 }) }));
}

export function mapBranches(outcome: Outcome, change: (branch: Branch) => Branch): Outcome {
  return { branches: outcome.branches.map(change) };
}

/** Steps one after another; the first failure ends the sequence (as in a Function). */
export function inSequence(steps: readonly Outcome[]): Outcome {
  let branches: readonly Branch[] = NOTHING.branches;
  for (const step of steps) {
    const next: Branch[] = [];
    for (const so of branches) {
      if (so.code !== 'OK') {
        next.push(so);
        continue;
      }
      for (const branch of step.branches) next.push(joined(so, branch, addDurations(so.duration, branch.duration), branch.code, branch.tag));
    }
    branches = mergeBranches(next);
  }
  return { branches };
}

/**
 * Steps started together that all run to their end (ConcurrentActions): the slowest decides the
 * time, and the result is the first failure in list order, as the engine reports it.
 */
export function together(steps: readonly Outcome[]): Outcome {
  let branches: readonly Branch[] = NOTHING.branches;
  for (const step of steps) {
    const next: Branch[] = [];
    const whatever = anyEnd(step);
    for (const so of branches) {
      // Once failed, the answer is settled and only the step's time matters: joining the failure
      // to each of the step's branches apart would put it into the merged failure once per branch,
      // and the tree of durations would double with every step (cdfOf walked 2^n parts).
      if (so.code !== 'OK') next.push(joined(so, whatever, maxOfDurations(so.duration, whatever.duration), so.code, so.tag));
      else for (const branch of step.branches) next.push(joined(so, branch, maxOfDurations(so.duration, branch.duration), branch.code, branch.tag));
    }
    branches = mergeBranches(next);
  }
  return { branches };
}

/** A step's ends taken together, whatever its code: certain, with its time mixed and its mean spans and lines. */
function anyEnd(step: Outcome): Branch {
  const duration = mixDurations(step.branches.map((branch) => ({ weight: branch.p, duration: branch.duration })));
  return { code: 'OK', p: 1, duration, spans: meanSpans(step), lines: meanLines(step) };
}

/** Branches of the same code and tag become one: probabilities add, the rest is their weighted mean (durations mixed). */
export function mergeBranches(branches: readonly Branch[]): Branch[] {
  const groups = new Map<string, Branch[]>();
  for (const branch of branches) {
    if (!(branch.p > 0)) continue;
    const key = `${branch.code}\u0000${branch.tag ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(branch);
    else groups.set(key, [branch]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const p = group.reduce((sum, branch) => sum + branch.p, 0);
    return {
      code: group[0].code,
      tag: group[0].tag,
      p,
      duration: mixDurations(group.map((branch) => ({ weight: branch.p, duration: branch.duration }))),
      spans: group.reduce((sum, branch) => sum + branch.p * branch.spans, 0) / p,
      lines: scaleLines(
        group.reduce<LineCounts>((sum, branch) => addLines(sum, scaleLines(branch.lines, branch.p)), NO_LINES),
        1 / p,
      ),
    };
  });
}

function joined(a: Branch, b: Branch, duration: Duration, code: StatusName, tag: string | undefined): Branch {
  const branch: Branch = { code, p: a.p * b.p, duration, spans: a.spans + b.spans, lines: addLines(a.lines, b.lines) };
  return tag === undefined ? branch : { ...branch, tag };
}

function scaleLines(lines: LineCounts, factor: number): LineCounts {
  return { info: lines.info * factor, warn: lines.warn * factor, error: lines.error * factor };
}
