/**
 * The wake-up thread's queue: a binary min-heap of wake-ups by time, earliest on top.
 *
 * Its own few lines rather than a package: the thread is paid for in every instance, and loading
 * a general heap library (heap-js, 94 KB of source) into it cost about 0.6 MB of RSS.
 */
export interface Due {
  readonly id: number;
  /** Monotonic ms. */
  readonly at: number;
}

export class DueHeap {
  private readonly items: Due[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest wake-up, left in place; undefined when empty. */
  peek(): Due | undefined {
    return this.items[0];
  }

  push(due: Due): void {
    const items = this.items;
    let index = items.push(due) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent].at <= due.at) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = due;
  }

  /** Takes the earliest wake-up off; undefined when empty. */
  pop(): Due | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.sinkFromTop(last);
    return top;
  }

  /** Puts `due` at the root and moves it down below every earlier child. */
  private sinkFromTop(due: Due): void {
    const items = this.items;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const earlier = right < items.length && items[right].at < items[left].at ? right : left;
      if (items[earlier].at >= due.at) break;
      items[index] = items[earlier];
      index = earlier;
    }
    items[index] = due;
  }
}
