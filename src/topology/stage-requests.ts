import type { EntryStage } from './topology-model';

/** How many requests a rate ramping linearly through `stages` from 0 integrates to: the trapezia's area. */
export function stageRequests(stages: readonly EntryStage[]): number {
  let previous = 0;
  let area = 0;
  for (const stage of stages) {
    area += ((previous + stage.rps) / 2) * stage.durationS;
    previous = stage.rps;
  }
  return area;
}
