/**
 * How a step that makes attempts (a CallService) records them on its span, and how a reader of
 * the trace (verify) reads them back: the writer and the reader side by side, so the encoding is
 * written down once. With retries configured, every attempt leaves an attempt event; without,
 * there is one attempt, and the span's injected kind says when it was never sent.
 */
import type { HrTime, Span } from '@opentelemetry/api';
import type { StatusName } from '../../common';
import type { InjectedFailure } from '../step-failure';
import {
  ATTEMPT_CODE_ATTRIBUTE,
  ATTEMPT_EVENT,
  ATTEMPT_NUMBER_ATTRIBUTE,
  ATTEMPT_SENT_ATTRIBUTE,
  ATTEMPTS_ATTRIBUTE,
  BACKOFF_MS_ATTRIBUTE,
  INJECTED_KIND_ATTRIBUTE,
  ROLL_ATTRIBUTE,
} from '../span-names';

/** The injected kind of an attempt that failure_chance cut before it was sent (no CLIENT span). */
export const NOT_SENT: InjectedFailure = 'call_failure';

/** How one attempt ended, as its event tells it. */
export interface AttemptRecord {
  readonly code: StatusName;
  readonly sent: boolean;
  /** The failure_chance roll, when failure_chance is set. */
  readonly roll?: number;
  readonly injected?: InjectedFailure;
}

/** One attempt event on the step's span; `backoffMs` when another attempt follows after that wait. */
export function recordAttempt(span: Span, number: number, attempt: AttemptRecord, backoffMs: number | undefined, at: HrTime): void {
  const attributes: Record<string, string | number | boolean> = {
    [ATTEMPT_NUMBER_ATTRIBUTE]: number,
    [ATTEMPT_CODE_ATTRIBUTE]: attempt.code,
    [ATTEMPT_SENT_ATTRIBUTE]: attempt.sent,
  };
  if (attempt.roll !== undefined) attributes[ROLL_ATTRIBUTE] = attempt.roll;
  if (attempt.injected) attributes[INJECTED_KIND_ATTRIBUTE] = attempt.injected;
  if (backoffMs !== undefined) attributes[BACKOFF_MS_ATTRIBUTE] = backoffMs;
  span.addEvent(ATTEMPT_EVENT, attributes, at);
  span.setAttribute(ATTEMPTS_ATTRIBUTE, number);
}

/** A span as read back from a trace, as far as its attempts go. */
interface SpanWithAttempts {
  readonly error: boolean;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }[];
}

/**
 * How each attempt that was sent ended, in order, read from the span of the step that made them:
 * from its attempt events when `eachRecorded` (retries configured), or if those were lost, from
 * its status (a success sent its last attempt at least); otherwise the one attempt, sent unless
 * the span says NOT_SENT. A status name each, or 'FAILED' where the span only says it failed.
 */
export function sentAttemptCodes(span: SpanWithAttempts, eachRecorded: boolean): string[] {
  if (eachRecorded) {
    const events = span.events
      .filter((event) => event.name === ATTEMPT_EVENT)
      .sort((a, b) => Number(a.attributes[ATTEMPT_NUMBER_ATTRIBUTE]) - Number(b.attributes[ATTEMPT_NUMBER_ATTRIBUTE]));
    if (events.length > 0) {
      // Some backends hand attribute values back as strings.
      const sent = events.filter((event) => event.attributes[ATTEMPT_SENT_ATTRIBUTE] !== false && event.attributes[ATTEMPT_SENT_ATTRIBUTE] !== 'false');
      return sent.map((event) => String(event.attributes[ATTEMPT_CODE_ATTRIBUTE] ?? 'UNKNOWN'));
    }
    return span.error ? [] : ['OK'];
  }
  if (span.attributes[INJECTED_KIND_ATTRIBUTE] === NOT_SENT) return [];
  return [span.error ? 'FAILED' : 'OK'];
}
