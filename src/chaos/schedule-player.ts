/**
 * Plays a topology's incident schedule in real time: at each window's start it asks the injector
 * to put the incident in effect for what is left of the window, and says what happened. The
 * instances end each incident themselves (every admin incident has a duration), so a player that
 * dies mid-window leaves nothing behind for longer than the window.
 */
import { windowStartMs, type IncidentWindow, type ScheduledIncident } from '../topology';

/** Puts `incident` in effect for `durationMs`; undefined when done, else why not (one line or more). */
export type Injector = (incident: ScheduledIncident, durationMs: number) => Promise<string | undefined>;

export type ScheduleEvent =
  | { readonly kind: 'started'; readonly window: IncidentWindow; readonly atMs: number }
  | { readonly kind: 'ended'; readonly window: IncidentWindow; readonly atMs: number }
  | { readonly kind: 'refused'; readonly window: IncidentWindow; readonly atMs: number; readonly reason: string };

/** setTimeout takes at most 2^31 − 1 ms (about 24.8 days); a longer wait is made of several. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export class SchedulePlayer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private startedAt = 0;
  private stopped = false;
  private pending = 0;
  private settle: (() => void) | undefined;
  private readonly counts = { started: 0, refused: 0, ended: 0 };
  /** Resolves when every window has ended and none is to come (never, with repeat_every, until stop). */
  readonly finished: Promise<void>;

  constructor(
    private readonly incidents: readonly ScheduledIncident[],
    private readonly inject: Injector,
    private readonly onEvent: (event: ScheduleEvent) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  /** Starts the clock: window offsets count from this call (the start of traffic). */
  start(): void {
    this.startedAt = this.now();
    for (const incident of this.incidents) this.arm(incident, 0);
    this.settleIfDone();
  }

  /** Cancels every window to come; those in effect run to their end on the instances. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = 0;
    this.settleIfDone();
  }

  /** How many windows have started, been refused and ended so far (started − ended are in effect). */
  tally(): { readonly started: number; readonly refused: number; readonly ended: number } {
    return { ...this.counts };
  }

  /** ms since start(). */
  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  private arm(incident: ScheduledIncident, occurrence: number): void {
    const startMs = windowStartMs(incident, occurrence);
    const window: IncidentWindow = { incident, occurrence, startMs, endMs: startMs + incident.forMs };
    this.pending++;
    this.at(startMs, async () => {
      if (incident.repeatEveryMs !== undefined) this.arm(incident, occurrence + 1);
      // A timer may fire a millisecond early (Node's timer clock is coarser than performance.now()): never longer than the window.
      const leftMs = Math.min(incident.forMs, Math.round(window.endMs - this.elapsedMs()));
      const reason = leftMs <= 0 ? 'its window had passed before it could be injected (the process was busy)' : await this.inject(incident, leftMs);
      if (this.stopped) return;
      if (reason !== undefined) {
        this.emit({ kind: 'refused', window, atMs: this.elapsedMs(), reason });
        this.done();
        return;
      }
      this.emit({ kind: 'started', window, atMs: this.elapsedMs() });
      this.at(window.endMs, () => {
        this.emit({ kind: 'ended', window, atMs: this.elapsedMs() });
        this.done();
      });
    });
  }

  /** Runs `action` at `offsetMs` after start (at once if that has passed). */
  private at(offsetMs: number, action: () => void | Promise<void>): void {
    if (this.stopped) return;
    const waitMs = offsetMs - this.elapsedMs();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (waitMs > LONGEST_TIMER_MS) this.at(offsetMs, action);
      else void action();
    }, Math.max(0, Math.min(waitMs, LONGEST_TIMER_MS)));
    this.timers.add(timer);
  }

  private emit(event: ScheduleEvent): void {
    this.counts[event.kind]++;
    this.onEvent(event);
  }

  private done(): void {
    this.pending--;
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (this.pending <= 0) this.settle?.();
  }
}
