import { performance } from 'node:perf_hooks';

/**
 * How long one turn may keep taking tasks. Long enough that the turn's own cost (the poll for
 * I/O, the check for due timers, one write of the turn's log lines and answers) is shared by the
 * dozens of requests a busy instance has waiting, short enough that nothing due meanwhile waits
 * noticeably longer than it would behind a single task.
 */
const TURN_BUDGET_MS = 1;

/**
 * Runs deferred work in later event-loop turns, a turn taking tasks only until its budget is
 * spent, so that nothing waits behind a whole burst.
 *
 * Node handles timers and I/O (new requests, health checks, wake-ups from the timer thread) only
 * between loop turns: each waits for the turn in progress to end. Without this queue, a burst of
 * requests that arrives in one read (1,000 at once cost ~300 ms of CPU) is acted out in one turn,
 * everything due meanwhile is hundreds of milliseconds late, the late answers go back together,
 * and the client's next burst repeats it. With it, a turn lasts about TURN_BUDGET_MS (plus the
 * last task's own length). One task per turn was the other extreme: every request then paid a
 * whole loop turn of its own, a system call for its log lines and another for its answer, which
 * cost a busy instance more than acting out its behaviour.
 *
 * An overloaded instance still cannot do more work than it can; it shows that honestly, as time a
 * request waits here before its Function span starts, instead of as sleeps longer than configured.
 */
export class TurnQueue {
  private tasks: Array<() => void> = [];
  private head = 0;
  private scheduled = false;

  /** Runs `task` in a later turn, after the tasks deferred before it. */
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
    setImmediate(this.runTurn);
  }

  private readonly runTurn = (): void => {
    const until = performance.now() + TURN_BUDGET_MS;
    // Only the tasks that were waiting when the turn began: one deferred by a task of this turn
    // (a step carrying on after a 0 ms sleep) waits for the next, behind what is due meanwhile.
    let waiting = this.length;
    try {
      do this.runNext();
      while (--waiting > 0 && performance.now() < until);
    } finally {
      if (this.length > 0) this.scheduleNext();
      else this.scheduled = false;
    }
  };

  private runNext(): void {
    const task = this.tasks[this.head];
    this.tasks[this.head++] = undefined as unknown as () => void;
    // Drop the run part now and then, so a long-lived queue does not keep every task it ever held.
    if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    task();
  }
}

/** The process's one queue: every deferral shares it, so the order across requests is fair. */
export const eventLoopTurns = new TurnQueue();
