import { formatSeconds } from '../common';
import { describeChanges } from './admin-refusal';
import { incidentFields } from './incident-fields';
import type { ScheduledIncident } from '../topology';
import type { ScheduleEvent } from './schedule-player';

/**
 * A schedule event as the line `up` and `chaos run` print:
 *   +0:04.0  incident "payments outage" started on payments (A › call card network: fails UNAVAILABLE 1) for 4 s, until +0:08.0
 *   +0:08.0  incident "payments outage" ended on payments
 *   +0:24.0  incident "payments outage" NOT started on payments: 127.0.0.1:7104: admin API refused: …
 */
export function scheduleEventText(event: ScheduleEvent): string {
  const { incident, endMs } = event.window;
  const name = `incident "${incident.name}"`;
  const at = offsetText(event.atMs);
  if (event.kind === 'ended') return `${at}  ${name} ended on ${incident.service}`;
  if (event.kind === 'refused') return `${at}  ${name} NOT started on ${incident.service}: ${oneLine(event.reason)}`;
  const changes = describeChanges(incidentFields(incident));
  return `${at}  ${name} started on ${incident.service} (${changes}) for ${formatSeconds(incident.forMs)}, until ${offsetText(endMs)}`;
}

/** An incident of the schedule, for the lines before it plays: `"payments outage" on payments (A › call card network: fails UNAVAILABLE 1) at +0:04.0 for 4 s, every 20 s`. */
export function incidentText(incident: ScheduledIncident): string {
  const every = incident.repeatEveryMs === undefined ? '' : `, every ${formatSeconds(incident.repeatEveryMs)}`;
  return `"${incident.name}" on ${incident.service} (${describeChanges(incidentFields(incident))}) at ${offsetText(incident.atMs)} for ${formatSeconds(incident.forMs)}${every}`;
}

/** A reason of several lines as one: a line that introduces the next (`…refused the incident:`) runs on into it, the others are joined by `; `. */
function oneLine(reason: string): string {
  return reason.replace(/:\n/g, ': ').replace(/\n/g, '; ');
}

/** ms since the start of traffic as +M:SS.s (+H:MM:SS.s from an hour). */
export function offsetText(ms: number): string {
  const tenths = Math.max(0, Math.round(ms / 100));
  const seconds = (tenths % 600) / 10;
  const minutes = Math.floor(tenths / 600);
  const secondsText = seconds.toFixed(1).padStart(4, '0');
  return minutes >= 60 ? `+${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${secondsText}` : `+${minutes}:${secondsText}`;
}
