import type { StatusName } from '../common';

/** Which failure Thespian injected (the config setting that made it), for the INJECTED_KIND_ATTRIBUTE ground-truth attribute (see span-names). */
export type InjectedFailure = 'failure_chance' | 'call_failure' | 'timeout';

/**
 * A failed step, travelling up the behaviour tree to the gRPC answer.
 * `recorded` makes sure the failure is recorded and logged once, at the span where it began,
 * while every span it passes through on the way up only gets ERROR status.
 */
export class StepFailure extends Error {
  recorded = false;

  constructor(
    readonly code: StatusName,
    message: string,
    readonly injected?: InjectedFailure,
  ) {
    super(message);
    this.name = 'StepFailure';
  }

  /** Wraps anything thrown (a bug, an abort) so the caller still gets a proper gRPC status. */
  static from(error: unknown): StepFailure {
    if (error instanceof StepFailure) return error;
    if (error instanceof Error && error.name === 'AbortError') return new StepFailure('CANCELLED', 'the request was cancelled');
    const message = error instanceof Error ? error.message : String(error);
    return new StepFailure('INTERNAL', `unexpected error: ${message}`);
  }
}
