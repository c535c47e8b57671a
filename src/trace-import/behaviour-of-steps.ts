import { fitDuration, roundTo } from './fit-duration';
import type { StepNode } from './observed-model';
import type { Placement } from './operation-placement';
import type { Operation } from './observed-model';

type Json = Record<string, unknown>;

/** Own time below this (mean, ms) is left out: it is what any span's bookkeeping takes. */
const OWN_TIME_FLOOR_MS = 1;

/**
 * A step tree as behaviour JSON. Children run one after another unless their time ranges
 * overlapped (on average over the traces), in which case they form one ConcurrentActions.
 * Another tracer's span with time of its own besides its children's gets a Sleep for it first.
 */
export function functionJson(step: StepNode, placements: ReadonlyMap<Operation, Placement>): Json {
  const ownTime = mean(step.durations);
  const ownSleep = !step.madeByThespian && ownTime >= OWN_TIME_FLOOR_MS ? [{ Action: { Sleep: { tracing_name: `${step.name}: own work`, ...fitDuration(step.durations, true) } } }] : [];
  const groups = concurrentGroups([...step.children].sort((a, b) => mean(a.starts) - mean(b.starts)));
  const operations = groups.map((group) => (group.length === 1 ? { Action: actionJson(group[0], placements) } : { ConcurrentActions: group.map((each) => actionJson(each, placements)) }));
  return { tracing_name: step.name, operations: [...ownSleep, ...operations] };
}

function actionJson(step: StepNode, placements: ReadonlyMap<Operation, Placement>): Json {
  const failure = failureChance(step);
  if (step.type === 'function') return { Function: functionJson(step, placements) };
  const placement = step.target && placements.get(step.target);
  if (step.type === 'call' && placement) return { CallService: { tracing_name: step.name, service: placement.service, grpc_method: placement.method, ...failure } };
  if (step.type === 'compute') return { Compute: { tracing_name: step.name, ...fitDuration(step.durations, false) } };
  // A sleep, or a call whose callee no trace showed: its time is all that is known.
  return { Sleep: { tracing_name: step.name, ...fitDuration(step.durations, true), ...failure } };
}

function failureChance(step: StepNode): { failure_chance?: number } {
  return step.failures > 0 ? { failure_chance: roundTo(step.failures / step.durations.length, 4) } : {};
}

/**
 * Siblings in start order, grouped: one joins the group before it when, in the traces where it and
 * a member of the group both appear, it mostly started before that member ended, by more than the
 * smaller of 1 ms and half its own length. Compared within each trace, not by averages: a failed
 * trace that lacks the later sibling would otherwise stretch the earlier one's average end past
 * the later one's average start, and two steps that ran one after the other would look
 * concurrent. The slack is for spans dated to the millisecond (the SDK's gRPC spans are). Siblings
 * never seen in one trace together are compared by their averages.
 */
function concurrentGroups(steps: readonly StepNode[]): StepNode[][] {
  const groups: StepNode[][] = [];
  for (const step of steps) {
    const group = groups.at(-1);
    if (group && group.some((member) => ranTogether(member, step))) group.push(step);
    else groups.push([step]);
  }
  return groups;
}

/** Whether `later` (which starts no earlier on average) overlapped `earlier`, in most traces where both appear. */
function ranTogether(earlier: StepNode, later: StepNode): boolean {
  const overlaps = (start: number, end: number, earlierEnd: number) => earlierEnd - start > Math.min(1, (end - start) / 2);
  let shared = 0;
  let together = 0;
  later.traceNumbers.forEach((trace, index) => {
    const other = earlier.traceNumbers.indexOf(trace);
    if (other < 0) return;
    shared += 1;
    if (overlaps(later.starts[index], later.ends[index], earlier.ends[other])) together += 1;
  });
  if (shared === 0) return overlaps(mean(later.starts), mean(later.ends), mean(earlier.ends));
  return together * 2 > shared;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
