/**
 * An append-only, size-capped list of received items (spans, log lines) that subscribers can
 * follow and tests can wait on. Both receivers keep what they receive in one of these, so a
 * long-running collector cannot grow without bound.
 */
export class BoundedLog<T> {
  private readonly kept: T[] = [];
  private droppedCount = 0;
  private readonly listeners = new Set<(batch: T[]) => void>();

  /** `describe` explains a waitFor timeout: what did arrive, so a failing test says why. */
  constructor(
    private readonly capacity: number,
    private readonly describe: (kept: readonly T[], dropped: number) => string,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be an integer ≥ 0, got ${capacity}`);
  }

  /** Items dropped (oldest first) because more than the capacity arrived. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** A copy of every kept item, oldest first. */
  items(): T[] {
    return this.kept.slice();
  }

  /** The kept items without copying; callers must not modify it. */
  view(): readonly T[] {
    return this.kept;
  }

  clear(): void {
    this.kept.length = 0;
    this.droppedCount = 0;
  }

  /** Keeps a batch, then tells every subscriber about it. */
  append(batch: T[]): void {
    for (const item of batch) this.kept.push(item);
    const excess = this.kept.length - this.capacity;
    if (excess > 0) {
      // Dropping a tenth at a time keeps the cost of shifting a large array rare.
      const drop = Math.min(this.kept.length, Math.max(excess, Math.ceil(this.capacity / 10)));
      this.kept.splice(0, drop);
      this.droppedCount += drop;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (error) {
        // One broken subscriber must neither fail the sender nor starve the others.
        process.emitWarning(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Calls listener with each appended batch; returns the unsubscribe. */
  subscribe(listener: (batch: T[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with all kept items once predicate holds (checked now and after every batch). */
  waitFor(predicate: (all: T[]) => boolean, timeoutMs: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        unsubscribe();
        outcome();
      };
      const check = (): void => {
        try {
          const all = this.items();
          if (predicate(all)) settle(() => resolve(all));
        } catch (error) {
          settle(() => reject(error));
        }
      };
      const unsubscribe = this.subscribe(check);
      const timer = setTimeout(
        () => settle(() => reject(new Error(`waitFor: condition not met within ${timeoutMs} ms; ${this.describe(this.kept, this.droppedCount)}`))),
        timeoutMs,
      );
      check();
    });
  }
}
