import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { spanTime } from './span-time';
import type { StepContext } from './step-context';
import { StepFailure, type InjectedFailure } from './step-failure';
import { INJECTED_ATTRIBUTE, INJECTED_KIND_ATTRIBUTE, KIND_ATTRIBUTE, ORIGINAL_NAME_ATTRIBUTE, STEP_START_EVENT } from './span-names';
import type { StepLines } from '../probability';

/** The levels inStepSpan logs a step's start and, where it began, its failure at. */
const STEP_LINE_LEVELS = { start: 'info', failure: 'error' } as const;

/**
 * The lines a step span made by inStepSpan stands for, for the step's span shape. `failsHere`:
 * whether every failure of the step begins at it (see StepLines), which only the kind knows.
 */
export function stepSpanLines(failsHere: boolean): StepLines {
  return { ...STEP_LINE_LEVELS, failsHere };
}

/** Marks a span as one where a failure was injected, whether or not a retry then recovered from it. */
export function markInjected(span: Span, failure: InjectedFailure): void {
  span.setAttribute(INJECTED_ATTRIBUTE, true);
  span.setAttribute(INJECTED_KIND_ATTRIBUTE, failure);
}

/** When a step's span began, and when the step says its own work ended (Clock readings). */
interface StepTiming {
  /** Taken as the span starts, before the start is logged. */
  readonly startedAt: number;
  /** Set by a step whose work ended before the code after it ran; unset, the span ends when the body returns. */
  endedAt?: number;
}

/**
 * Runs one step inside its own span, named after the step's tracing_name.
 * This is the one place that owns a step span's life: the start is logged and recorded as an
 * event, the span ends on every path, and a failure is recorded and logged only where it began
 * while every span it passes through is marked ERROR.
 * Not itself async: each async layer costs every request promises, and the context manager's
 * hook on each; the span's own callback is the one that catches.
 */
export function inStepSpan(
  context: StepContext,
  kind: string,
  name: string,
  attributes: Attributes,
  body: (span: Span, timing: StepTiming) => Promise<void>,
): Promise<void> {
  const spanAttributes = { [ORIGINAL_NAME_ATTRIBUTE]: name, [KIND_ATTRIBUTE]: kind, ...attributes };
  const startedAt = context.clock.now();
  // Dated to the nanosecond (see spanTime); the events and the end must then be dated too.
  return context.tracer.startActiveSpan(name, { attributes: spanAttributes, startTime: spanTime(startedAt) }, async (span) => {
    const timing: StepTiming = { startedAt };
    try {
      span.addEvent(STEP_START_EVENT, spanTime(startedAt));
      context.log[STEP_LINE_LEVELS.start](`${kind} "${name}" started`, { step: name, kind });
      await body(span, timing);
    } catch (error) {
      const failure = StepFailure.from(error);
      if (!failure.recorded) {
        failure.recorded = true;
        span.recordException({ name: failure.code, message: failure.message }, spanTime(context.clock.now()));
        if (failure.injected) markInjected(span, failure.injected);
        context.log[STEP_LINE_LEVELS.failure](failure.message, { step: name, kind, code: failure.code });
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw failure;
    } finally {
      const endedAt = timing.endedAt ?? context.clock.now();
      span.end(spanTime(endedAt));
      context.meter?.stepEnded(kind, name, endedAt - startedAt);
    }
  });
}

/** "checkout › charge card" — where in the behaviour a step is. */
export function describeTrail(trail: readonly string[]): string {
  return trail.join(' › ');
}
