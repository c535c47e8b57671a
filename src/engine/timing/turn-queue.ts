/**
 * Runs deferred work one task per event-loop turn, so that nothing waits behind a whole burst.
 *
 * Node handles timers and I/O (new requests, health checks, wake-ups from the timer thread) only
 * between loop turns: each waits for the turn in progress to end. Without this queue, a burst of
 * requests that arrives in one read (1,000 at once cost ~300 ms of CPU) is acted out in one turn,
 * everything due meanwhile is hundreds of milliseconds late, the late answers go back together,
 * and the client's next burst repeats it. With it, a turn holds at most one task (~0.3 ms).
 *
 * An overloaded instance still cannot do more work than it can; it shows that honestly, as time a
 * request waits here before its Function span starts, instead of as sleeps longer than configured.
 */
export class TurnQueue {
  private tasks: Array<() => void> = [];
  private head = 0;
  private scheduled = false;

  /** Runs `task` in a later turn of its own, after the tasks deferred before it. */
  defer(task: () => void): void {
    this.tasks.push(task);
    if (!this.scheduled) this.scheduleNext();
  }

  /** Tasks waiting for their turn. */
  get length(): number {
    return this.tasks.length - this.head;
  }

  private scheduleNext(): void {
    this.scheduled = true;
    // An immediate runs after this turn's I/O; the next turn then begins with due timers.
    setImmediate(this.runOne);
  }

  private readonly runOne = (): void => {
    const task = this.tasks[this.head];
    this.tasks[this.head++] = undefined as unknown as () => void;
    // Drop the run part now and then, so a long-lived queue does not keep every task it ever held.
    if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    try {
      task();
    } finally {
      if (this.length > 0) this.scheduleNext();
      else this.scheduled = false;
    }
  };
}

/** The process's one queue: every deferral shares it, so the order across requests is fair. */
export const eventLoopTurns = new TurnQueue();
