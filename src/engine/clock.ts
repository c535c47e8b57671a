import { performance } from 'node:perf_hooks';
import type { Clock } from './ports';

/**
 * The real clock: performance.now() and timers.
 *
 * Node measures a timeout from the event loop's cached time, taken when the current loop turn
 * began, so on a busy loop a timer can fire before `ms` have passed since it was set. A sleep
 * that ends early would show up as a too-short span, so we check and wait out the remainder.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const wakeAt = performance.now() + ms;
      let timer: NodeJS.Timeout;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal));
      };
      const wake = () => {
        const remaining = wakeAt - performance.now();
        // Timers have whole-millisecond resolution; less than half of one is as close as we get.
        if (remaining > 0.5) {
          timer = setTimeout(wake, remaining);
          return;
        }
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      timer = setTimeout(wake, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'aborted');
  error.name = 'AbortError';
  return error;
}
