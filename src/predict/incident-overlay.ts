import { makeIncident, type Incident } from '../engine';
import type { ScheduledIncident } from '../topology';

/**
 * A topology's scheduled incident as the engine's Incident, the way an instance's board holds it
 * once the admin API has injected it (absent changes change nothing; the code defaults to
 * INTERNAL), so that predict reckons with exactly what the instances will do. The prediction has
 * no clock: `starts` and `ends` say only that it is in effect throughout.
 */
export function engineIncident(scheduled: ScheduledIncident): Incident {
  return makeIncident({ ...scheduled, id: scheduled.name }, 0, Infinity);
}

/** The incidents in effect by service, in the order given: the Predictor's `incidents` option. */
export function incidentOverlay(incidents: readonly ScheduledIncident[]): Map<string, Incident[]> {
  const overlay = new Map<string, Incident[]>();
  for (const scheduled of incidents) overlay.set(scheduled.service, [...(overlay.get(scheduled.service) ?? []), engineIncident(scheduled)]);
  return overlay;
}
