/**
 * verify's requests by the incident window they were sent in, held against what predict says a
 * request does inside that window (its incident alone) and outside all of them (the baseline).
 * A request is placed by when it was sent, from the start of traffic, which is when the schedule
 * player's clock starts too. Requests sent close to a window's edge are left out of both sides:
 * the injection takes a round trip to the instances, and a request in flight across the edge
 * saw part of each.
 */
import { EXCEPTION_EVENT, INCIDENT_ATTRIBUTE } from '../engine';
import type { EndpointPrediction } from '../predict';
import type { IncidentWindow } from '../topology';
import type { RequestRecord } from '../traffic';
import { compareRate } from './compare-rate';
import type { ObservedSpan } from './observed-span';
import type { IncidentsReport, WindowPlay, WindowReport } from './verify-result';

/** Requests sent this close to a window's start or end (ms) count neither inside nor outside. */
export const EDGE_MARGIN_MS = 250;

/** How a window went; a played one says from when the instances had it (ms from the start of traffic). */
export interface WindowPlayed {
  readonly play: WindowPlay;
  readonly reason?: string;
  readonly inEffectFromMs?: number;
}

/**
 * Where a window's requests begin: at its start, or when the instances had taken the incident if
 * that was later (an injection slowed by a busy machine), so that no request is held against the
 * incident's prediction before the incident was in effect.
 */
export function placedFromMs(window: IncidentWindow, played: WindowPlayed): number {
  return Math.max(window.startMs, played.inEffectFromMs ?? window.startMs);
}

export interface WindowInputs {
  readonly windows: readonly IncidentWindow[];
  /** How each window went: played, refused (why), or not played (--no-incidents). */
  readonly playOf: (window: IncidentWindow) => WindowPlayed;
  /** Answered requests only. */
  readonly records: readonly RequestRecord[];
  readonly baselineOf: (record: RequestRecord) => EndpointPrediction;
  readonly insideOf: (record: RequestRecord, incident: string) => EndpointPrediction;
  /** The request's trace as read back, if it was. */
  readonly spansOf: (record: RequestRecord) => readonly ObservedSpan[] | undefined;
  readonly extended?: IncidentsReport['extended'];
}

export function windowReport(inputs: WindowInputs): IncidentsReport {
  const { windows, records } = inputs;
  const placeOf = (record: RequestRecord): IncidentWindow[] | 'edge' => {
    const inside: IncidentWindow[] = [];
    for (const window of windows) {
      const sent = record.sentMs;
      const fromMs = placedFromMs(window, inputs.playOf(window));
      if (Math.abs(sent - fromMs) < EDGE_MARGIN_MS || Math.abs(sent - window.endMs) < EDGE_MARGIN_MS) return 'edge';
      if (sent >= fromMs && sent < window.endMs) inside.push(window);
    }
    return inside;
  };
  const places = new Map(records.map((record) => [record, placeOf(record)]));
  const edge = records.filter((record) => places.get(record) === 'edge').length;
  const outside = records.filter((record) => (places.get(record) as unknown[]).length === 0);
  const reports = windows.map((window): WindowReport => {
    const inWindow = records.filter((record) => {
      const place = places.get(record)!;
      return place !== 'edge' && place.includes(window);
    });
    const name = window.incident.name;
    const failed = inWindow.filter((record) => record.status !== 'OK');
    const traced = failed.map(inputs.spansOf).filter((spans): spans is readonly ObservedSpan[] => spans !== undefined && spans.length > 0);
    const { play, reason, inEffectFromMs } = inputs.playOf(window);
    return {
      incident: name,
      service: window.incident.service,
      occurrence: window.occurrence,
      startMs: window.startMs,
      endMs: window.endMs,
      play,
      ...(reason !== undefined ? { reason } : {}),
      ...(inEffectFromMs !== undefined ? { inEffectFromMs } : {}),
      rate: compareRate(name, inWindow, (record) => inputs.insideOf(record, name)),
      failedTraced: traced.length,
      failedAtIncident: traced.filter((spans) => failedAt(spans, name)).length,
    };
  });
  return {
    windows: reports,
    outside: compareRate('outside', outside, inputs.baselineOf),
    edge,
    marginMs: EDGE_MARGIN_MS,
    ...(inputs.extended ? { extended: inputs.extended } : {}),
  };
}

/**
 * Whether the request failed at a span the incident changed: the span where its failure began
 * (the one with the exception event) carries thespian.incident naming it (a list, when several
 * changed the step).
 */
function failedAt(spans: readonly ObservedSpan[], incident: string): boolean {
  return spans.some((span) => {
    if (!span.error || !span.events.some((event) => event.name === EXCEPTION_EVENT)) return false;
    const names = span.attributes[INCIDENT_ATTRIBUTE];
    return typeof names === 'string' && (names === incident || names.split(', ').includes(incident));
  });
}
