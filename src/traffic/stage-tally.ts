import { STATUS_NAMES } from '../common';
import { LatencyHistogram } from './latency-histogram';
import { countsOf, type StageSummary } from './load-result';
import type { StagePlan } from './stage-plan';

/** What the tally needs of a target: its stages, if it has any, and a name. */
interface StagedTarget {
  readonly stages?: StagePlan;
  readonly label?: string;
}

interface Group {
  /** The target whose stages these are; undefined when every target shares the same stages. */
  readonly target: number | undefined;
  readonly plan: StagePlan;
  readonly members: readonly number[];
  readonly scheduled: number[];
  readonly sent: number[];
  readonly dropped: number[];
  readonly codes: Uint32Array[];
  readonly latency: LatencyHistogram[];
}

/**
 * Counts a staged load stage by stage: requests scheduled, sent and dropped, their statuses and
 * latencies. When every target has stages of the same lengths (`load --stages`, each target
 * given the same stages) a stage is one moment for all of them, so they are counted together;
 * otherwise (a topology whose entry points have stages of their own) each staged target is
 * counted on its own. A cycling plan counts every cycle of a stage in that stage.
 */
export class StageTally {
  private readonly groups: Group[] = [];
  private readonly groupOf: number[];

  constructor(private readonly targets: readonly StagedTarget[]) {
    const staged = targets.flatMap((target, index) => (target.stages ? [index] : []));
    const first = staged.length > 0 ? targets[staged[0]!]!.stages! : undefined;
    const shared = first !== undefined && staged.length === targets.length && staged.every((index) => targets[index]!.stages!.sameTiming(first));
    this.groupOf = targets.map(() => -1);
    if (shared) this.addGroup(undefined, first, staged);
    else for (const index of staged) this.addGroup(index, targets[index]!.stages!, [index]);
  }

  get any(): boolean {
    return this.groups.length > 0;
  }

  scheduled(target: number, stage: number): void {
    const group = this.groupOf[target]!;
    if (group >= 0) this.groups[group]!.scheduled[stage]!++;
  }

  sent(target: number, stage: number): void {
    const group = this.groupOf[target]!;
    if (group >= 0) this.groups[group]!.sent[stage]!++;
  }

  dropped(target: number, stage: number): void {
    const group = this.groupOf[target]!;
    if (group >= 0) this.groups[group]!.dropped[stage]!++;
  }

  ended(target: number, stage: number, code: number, latencyMs: number): void {
    const group = this.groupOf[target]!;
    if (group < 0) return;
    this.groups[group]!.codes[stage]![code]!++;
    this.groups[group]!.latency[stage]!.recordMs(latencyMs);
  }

  /** The stage the first staged target is in at `ms` from the start, and the rate all targets ask for then. */
  liveStage(ms: number, flatRate: number): { index: number; count: number; rate: number } | undefined {
    if (this.groups.length === 0) return undefined;
    const plan = this.groups[0]!.plan;
    const rate = this.targets.reduce((sum, target) => sum + (target.stages ? target.stages.rateAt(ms) : 0), flatRate);
    return { index: plan.stageAt(ms), count: plan.stages.length, rate };
  }

  /** Each stage's figures; `planned` counts what the stages put in it up to `sendingMs` from the start. */
  summaries(sendingMs: number): StageSummary[] {
    return this.groups.flatMap((group) =>
      group.plan.stages.map((stage, index) => {
        const plans = group.members.map((member) => this.targets[member]!.stages!);
        const summary: StageSummary = {
          stage: index + 1,
          startS: group.plan.startMs[index]! / 1000,
          durationS: stage.durationS,
          fromRate: sum(plans.map((plan) => plan.fromRate[index]!)),
          toRate: sum(plans.map((plan) => plan.stages[index]!.rate)),
          planned: sum(plans.map((plan) => plan.plannedBy(index, sendingMs))),
          scheduled: group.scheduled[index]!,
          sent: group.sent[index]!,
          dropped: group.dropped[index]!,
          counts: countsOf(group.codes[index]!),
          latencyMs: { p50: group.latency[index]!.percentileMs(50), p99: group.latency[index]!.percentileMs(99) },
        };
        if (group.target !== undefined) {
          summary.target = group.target;
          const label = this.targets[group.target]!.label;
          if (label !== undefined) summary.label = label;
        }
        return summary;
      }),
    );
  }

  private addGroup(target: number | undefined, plan: StagePlan, members: number[]): void {
    const count = plan.stages.length;
    for (const member of members) this.groupOf[member] = this.groups.length;
    this.groups.push({
      target,
      plan,
      members,
      scheduled: new Array<number>(count).fill(0),
      sent: new Array<number>(count).fill(0),
      dropped: new Array<number>(count).fill(0),
      codes: Array.from({ length: count }, () => new Uint32Array(STATUS_NAMES.length)),
      latency: Array.from({ length: count }, () => new LatencyHistogram()),
    });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
