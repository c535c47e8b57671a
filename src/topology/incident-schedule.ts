/**
 * When a topology's incidents are in effect: each is a run of windows, the nth starting at
 * `at + n × repeat_every` (only n = 0 without repeat_every) and lasting `for`, counted from the
 * start of traffic. `up` and `chaos run` play them, `predict` and `verify` report by them.
 * Times are whole milliseconds (the model rounds them), so the arithmetic here is exact.
 */
import type { ScheduledIncident } from './topology-model';

export interface IncidentWindow {
  readonly incident: ScheduledIncident;
  /** 0 for the incident's first window, 1 for its second... */
  readonly occurrence: number;
  /** From the start of traffic, ms: the window is [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
}

/** The start of an incident's nth window (from the start of traffic, ms). */
export function windowStartMs(incident: ScheduledIncident, occurrence: number): number {
  return incident.atMs + occurrence * (incident.repeatEveryMs ?? 0);
}

/** Every window that starts before `untilMs`, by start (ties in file order), at most `limit` of them. */
export function windowsBefore(incidents: readonly ScheduledIncident[], untilMs: number, limit = 10_000): IncidentWindow[] {
  const windows: IncidentWindow[] = [];
  for (const incident of incidents) {
    for (let occurrence = 0; windows.length < limit; occurrence++) {
      const startMs = windowStartMs(incident, occurrence);
      if (startMs >= untilMs) break;
      windows.push({ incident, occurrence, startMs, endMs: startMs + incident.forMs });
      if (incident.repeatEveryMs === undefined) break;
    }
  }
  const order = new Map(incidents.map((incident, index) => [incident, index]));
  return windows.sort((a, b) => a.startMs - b.startMs || order.get(a.incident)! - order.get(b.incident)!);
}

/** When every incident has had its first window: the latest first end (0 without incidents). */
export function firstPassEndMs(incidents: readonly ScheduledIncident[]): number {
  return Math.max(0, ...incidents.map((incident) => incident.atMs + incident.forMs));
}

/**
 * Whether some window of `a` ever overlaps some window of `b`, however long traffic runs. For two
 * periodic incidents the differences of their starts are, sooner or later, every value of
 * (b.at − a.at) + t × gcd(periods); they overlap when one of those falls in (−b.for, a.for).
 */
export function windowsEverOverlap(a: ScheduledIncident, b: ScheduledIncident): boolean {
  if (a.repeatEveryMs === undefined && b.repeatEveryMs === undefined) return a.atMs < b.atMs + b.forMs && b.atMs < a.atMs + a.forMs;
  if (a.repeatEveryMs === undefined) return windowsEverOverlap(b, a);
  if (b.repeatEveryMs === undefined) {
    // The first window of a that ends after b starts; they overlap if it starts before b ends.
    const period = a.repeatEveryMs;
    const occurrence = Math.max(0, Math.floor((b.atMs - a.atMs - a.forMs) / period) + 1);
    return windowStartMs(a, occurrence) < b.atMs + b.forMs;
  }
  const step = gcd(a.repeatEveryMs, b.repeatEveryMs);
  const lowest = -b.forMs + 1;
  const difference = lowest + modulo(b.atMs - a.atMs - lowest, step);
  return difference < a.forMs;
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

function modulo(x: number, m: number): number {
  return ((x % m) + m) % m;
}
