/**
 * How a session stops: in a fixed order of stages, whatever order its pieces started in. Each
 * piece, once it has started, registers its stop step under its stage; stop() runs the stages in
 * order and, within a stage, the steps in the order they were registered, each step once. A piece
 * that never started registered nothing, so a session stopped half-way through its start stops
 * just what is running.
 */
export class StopSequence<Stage extends string> {
  private readonly steps = new Map<Stage, (() => unknown)[]>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly order: readonly Stage[]) {}

  /** `step` runs in `stage`; one registered while stop() runs still runs if its stage is yet to come. */
  add(stage: Stage, step: () => unknown): void {
    const steps = this.steps.get(stage) ?? [];
    steps.push(step);
    this.steps.set(stage, steps);
  }

  /** Runs every stage in order; a second call gets the same promise. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const stage of this.order) for (const step of this.steps.get(stage) ?? []) await step();
    })();
    return this.stopping;
  }
}
