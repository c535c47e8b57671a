import type { Attributes } from '../model';
import { describeDistribution, type LatencyDistribution } from '../../probability';
import { DURATION_ATTRIBUTE, DURATION_MS_ATTRIBUTE } from '../span-names';

/** What Sleep and Compute share: a named step that takes a drawn time. */
export interface TimedStepSpec {
  readonly tracingName: string;
  /** `duration_ms` becomes a Fixed distribution; `duration` any other. */
  readonly duration: LatencyDistribution;
  readonly attributes: Attributes;
}

/** A timed step's span attributes: the config's own, the ms it was drawn to take, and what it was drawn from unless fixed. */
export function timedStepAttributes(spec: TimedStepSpec, durationMs: number): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = { ...spec.attributes, [DURATION_MS_ATTRIBUTE]: durationMs };
  if (spec.duration.kind !== 'Fixed') attributes[DURATION_ATTRIBUTE] = describeDistribution(spec.duration);
  return attributes;
}
