import { formatSeconds } from '../common';
import { offsetText } from '../chaos';
import { firstPassEndMs, type ScheduledIncident } from '../topology';

/** Sending goes on this long after the incidents' first windows have ended, so that the baseline after them is seen too. */
export const BASELINE_AFTER_MS = 2_000;

/**
 * The most verify sends, beyond --requests, to cover a topology's first incident windows. Every
 * request's record is kept until the report, and a person is waiting: an hour of sending, or
 * 100 000 requests (a few tens of MB of records), is past what anyone means by "check my
 * pipeline". A schedule that needs more is refused before anything is sent.
 */
export const COVER_LIMITS = { durationMs: 3_600_000, requests: 100_000 } as const;

/** How many requests verify sends while it plays a schedule; `extended` when that is more than --requests asked. */
export interface SendingPlan {
  readonly requests: number;
  readonly extended?: { readonly asked: number; readonly sent: number; readonly durationS: number };
}

/**
 * The requests to send at `rate` (requests per second in all) so that sending lasts until every
 * incident's first window has ended and BASELINE_AFTER_MS after; `asked` (--requests) when that
 * is more. A `refusal` (one line) when covering the windows would pass COVER_LIMITS.
 */
export function sendingPlan(incidents: readonly ScheduledIncident[], rate: number, asked: number): SendingPlan | { readonly refusal: string } {
  const coverMs = firstPassEndMs(incidents) + BASELINE_AFTER_MS;
  const needed = Math.ceil((rate * coverMs) / 1000);
  if (needed <= asked) return { requests: asked };
  const durationS = needed / rate;
  if (durationS * 1000 > COVER_LIMITS.durationMs || needed > COVER_LIMITS.requests) {
    const latest = latestIncident(incidents);
    return {
      refusal:
        `incident "${latest.name}" starts at ${offsetText(latest.atMs)} (its "at") and lasts ${formatSeconds(latest.forMs)}: covering the incidents' first windows ` +
        `would take ${needed} requests over ${spanText(durationS * 1000)} at ${rate} requests/s, more than verify sends (at most ${spanText(COVER_LIMITS.durationMs)} ` +
        `and ${COVER_LIMITS.requests} requests); move its "at" earlier, lower --rate, or give --no-incidents to check without playing them`,
    };
  }
  return { requests: needed, extended: { asked, sent: needed, durationS } };
}

/** The line said before sending when the plan sends more than --requests. */
export function extendedText(extended: NonNullable<SendingPlan['extended']>): string {
  return `verify will send ${extended.sent} requests over ${spanText(extended.durationS * 1000)}, not the ${extended.asked} of --requests, to cover the incidents' first windows and ${formatSeconds(BASELINE_AFTER_MS)} after`;
}

/** The incident whose first window ends last: the one that decides how long sending must last. */
function latestIncident(incidents: readonly ScheduledIncident[]): ScheduledIncident {
  return incidents.reduce((latest, incident) => (windowEnd(incident) > windowEnd(latest) ? incident : latest));
}

function windowEnd(incident: ScheduledIncident): number {
  return incident.atMs + incident.forMs;
}

/** A span of sending: seconds up to ten minutes, then minutes, then hours, to one decimal. */
function spanText(ms: number): string {
  if (ms < 600_000) return formatSeconds(Math.round(ms));
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}
