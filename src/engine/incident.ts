/**
 * An incident: a change to the chaos of some steps, for a window of time on the engine's Clock.
 * The engine only reads incidents (through the IncidentSource port, as it reads the Clock); who
 * makes them — the instance's Admin API today, a topology's schedule later — is not its business.
 *
 * What an active incident does to a Sleep it matches (docs/chaos.md says the same for users):
 * - duration: own × latency_factor + extra_latency_ms (rounded, capped like any sleep);
 * - failure: effective chance = 1 − (1 − own)(1 − incident); one roll decides, so the step's own
 *   failure keeps its chance and its code, and the rest of the range is the incident's, with the
 *   incident's code;
 * - several incidents on one step combine: factors multiply, extras add, chances compound in the
 *   order they were injected (nothing contradicts, so nothing is refused).
 * It matches a Sleep when its method is the request's (or it names none) and its step is the
 * Sleep's tracing_name (or it names none: then every Sleep of the method's tree). Whether it is
 * active is read as the step begins.
 */
import type { GrpcMethod } from './model';
import type { StatusName } from '../common';

export interface Incident {
  readonly id: string;
  readonly name: string;
  /** Absent: all three methods. */
  readonly method?: GrpcMethod;
  /** A Sleep's tracing_name; absent: every Sleep of the method's tree. */
  readonly step?: string;
  readonly failureChance: number;
  readonly failureCode: StatusName;
  readonly extraLatencyMs: number;
  readonly latencyFactor: number;
  /** Clock readings (ms): active from `starts`, up to but not including `ends`. */
  readonly starts: number;
  readonly ends: number;
}

/** What an incident is made of before its defaults: absent changes change nothing, and its failures answer INTERNAL unless told otherwise. */
export interface IncidentFields {
  readonly id: string;
  readonly name: string;
  readonly method?: GrpcMethod;
  readonly step?: string;
  readonly failureChance?: number;
  readonly failureCode?: StatusName;
  readonly extraLatencyMs?: number;
  readonly latencyFactor?: number;
}

/**
 * An incident from its fields, in effect from `starts` up to `ends` (Clock readings): the one
 * place its defaults are decided, for the admin API's board and for predict alike, so that a
 * prediction reckons with exactly what an instance does.
 */
export function makeIncident(fields: IncidentFields, starts: number, ends: number): Incident {
  return Object.freeze({
    id: fields.id,
    name: fields.name,
    ...(fields.method ? { method: fields.method } : {}),
    ...(fields.step ? { step: fields.step } : {}),
    failureChance: fields.failureChance ?? 0,
    failureCode: fields.failureCode ?? 'INTERNAL',
    extraLatencyMs: fields.extraLatencyMs ?? 0,
    latencyFactor: fields.latencyFactor ?? 1,
    starts,
    ends,
  });
}

/** The port the engine reads incidents through. */
export interface IncidentSource {
  /** The incidents active for `method` at `now` (a Clock reading), in the order they were injected. */
  active(method: GrpcMethod, now: number): readonly Incident[];
}

/** The incidents that change the step named `step`, from those active for its request. */
export function incidentsOn(active: readonly Incident[], step: string): readonly Incident[] {
  return active.length === 0 ? active : active.filter((incident) => incident.step === undefined || incident.step === step);
}

/** A step's drawn duration under its incidents: own × factors + extras. */
export function changedDuration(ownMs: number, incidents: readonly Incident[]): number {
  let ms = ownMs;
  for (const incident of incidents) ms = ms * incident.latencyFactor + incident.extraLatencyMs;
  return ms;
}

/** changedDuration as one change, own × factor + extraMs (the incidents' changes compose into one). */
export function durationChange(incidents: readonly Incident[]): { readonly factor: number; readonly extraMs: number } {
  let factor = 1;
  for (const incident of incidents) factor *= incident.latencyFactor;
  return { factor, extraMs: changedDuration(0, incidents) };
}

/** The chance that a step fails with its own chance and its incidents' together. */
export function combinedChance(own: number, incidents: readonly Incident[]): number {
  let survives = 1 - own;
  for (const incident of incidents) survives *= 1 - incident.failureChance;
  return 1 - survives;
}

/**
 * Which incident a roll that passed the step's own chance falls to, if any: the range above `own`
 * is shared out in injection order, each incident taking its chance of what is left.
 */
export function incidentOfRoll(roll: number, own: number, incidents: readonly Incident[]): Incident | undefined {
  let threshold = own;
  for (const incident of incidents) {
    threshold += (1 - threshold) * incident.failureChance;
    if (roll < threshold) return incident;
  }
  return undefined;
}

/**
 * The chance that a step's roll falls to each incident (what incidentOfRoll decides, as
 * probabilities): each takes its chance of what the step's own chance and those before it left.
 */
export function incidentShares(own: number, incidents: readonly Incident[]): { readonly incident: Incident; readonly p: number }[] {
  let threshold = own;
  return incidents.map((incident) => {
    const p = (1 - threshold) * incident.failureChance;
    threshold += p;
    return { incident, p };
  });
}

/** The value of the span attribute naming the incidents that changed a step. */
export function incidentNames(incidents: readonly Incident[]): string {
  return incidents.map((incident) => incident.name).join(', ');
}
