/**
 * Time that reads the same in every thread of the process, and a timer that never fires early.
 * performance.now() cannot serve across threads: its origin is each thread's own start.
 */

/** Milliseconds on the system's monotonic clock. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Calls `fire` with the time it woke, once monotonicMs() has reached `at`. Node measures a
 * timeout from the time its current loop turn began, so a timer can fire before its time on a
 * busy loop; this checks and waits out the rest. Returns a function that cancels the wait.
 */
export function waitUntil(at: number, fire: (wokeAt: number) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = monotonicMs();
    // Timers have whole-millisecond resolution; less than half of one from the target is as
    // close as they get.
    if (at - now > 0.5) {
      timer = setTimeout(check, at - now);
      return;
    }
    timer = undefined;
    fire(now);
  };
  // Always from a timer, never at once: the caller has its cancel function before `fire` runs.
  timer = setTimeout(check, Math.max(0, at - monotonicMs()));
  return () => clearTimeout(timer);
}
