import { performance } from 'node:perf_hooks';
import type { Clock } from './ports';
import { eventLoopTurns } from './turn-queue';
import { WakeTimer } from './wake-timer';

let wakeTimer: WakeTimer | undefined;

/**
 * The real clock: performance.now(), with sleeps timed by the wake-up thread (see WakeTimer) so
 * that a sleep's end is the moment its time was up, however busy this thread was then.
 *
 * What comes after a sleep (ending spans, the next step, the answer) is queued for a turn of its
 * own (see TurnQueue) rather than run straight from the wake-up, where it would hold back the
 * wake-ups queued behind it.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal, from = performance.now()) {
    return new Promise<number>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      // Nothing to time, and nothing held back by carrying straight on.
      if (ms <= 0) return resolve(performance.now());
      const onAbort = () => {
        cancel();
        reject(abortError(signal));
      };
      const cancel = startedWakeTimer().at(from + ms, (wokeAt) => {
        signal.removeEventListener('abort', onAbort);
        eventLoopTurns.defer(() => resolve(wokeAt));
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/**
 * Starts the wake-up thread ahead of the first sleep, so that sleep does not wait for it to boot.
 * `offThread` is false when the thread could not start and sleeps are timed on this thread.
 */
export async function prepareSystemClock(): Promise<{ clock: Clock; offThread: boolean }> {
  const offThread = await startedWakeTimer().ready;
  return { clock: systemClock, offThread };
}

function startedWakeTimer(): WakeTimer {
  wakeTimer ??= new WakeTimer();
  return wakeTimer;
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'aborted');
  error.name = 'AbortError';
  return error;
}
