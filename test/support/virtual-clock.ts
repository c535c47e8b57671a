/**
 * A Clock for driving the engine fast: sleeps take no real time but keep their order and length,
 * so timeouts, concurrency and backoff behave as in a real run.
 */
import type { Clock, RequestSignal } from '../../src/engine';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly fire: () => void;
}

/** Discrete-event time: run() lets every promise settle, then jumps to the next timer. */
export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: RequestSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        this.timers = this.timers.filter((candidate) => candidate !== timer);
        reject(abortReason(signal));
      };
      const timer: Timer = {
        at: this.time + ms,
        order: this.order++,
        fire: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(timer.at);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      if (this.timers.length === 0) throw new Error('virtual clock: nothing to wait for, but the work is not done');
      let next = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const a = this.timers[i];
        const b = this.timers[next];
        if (a.at < b.at || (a.at === b.at && a.order < b.order)) next = i;
      }
      const [timer] = this.timers.splice(next, 1);
      this.time = Math.max(this.time, timer.at);
      timer.fire();
    }
  }
}

function abortReason(signal: RequestSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const error = new Error('aborted');
  error.name = 'AbortError';
  return error;
}
