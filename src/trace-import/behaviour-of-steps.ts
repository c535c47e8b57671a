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
 * Siblings in start order, grouped: one joins the group before it when it started before the
 * group's latest end by more than the smaller of 1 ms and half its own length. The slack is for
 * spans dated to the millisecond (the SDK's gRPC spans are), which can seem to overlap a little.
 */
function concurrentGroups(steps: readonly StepNode[]): StepNode[][] {
  const groups: StepNode[][] = [];
  let groupEnd = -Infinity;
  for (const step of steps) {
    const start = mean(step.starts);
    const end = mean(step.ends);
    const slack = Math.min(1, (end - start) / 2);
    if (groups.length > 0 && groupEnd - start > slack) groups[groups.length - 1].push(step);
    else groups.push([step]);
    groupEnd = Math.max(groupEnd, end);
  }
  return groups;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
