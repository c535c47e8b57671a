import { performance } from 'node:perf_hooks';
import type { Clock, RequestSignal } from '../ports';
import { raiseToRealtime } from './realtime-priority';
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
const systemClock: Clock = {
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

/** THESPIAN_TIMER_PRIORITY: `auto` asks for real-time priority and settles for normal. */
export type TimerPriority = 'auto' | 'realtime' | 'normal';

/** What times the sleeps, as the instance reports it at start. */
type SleepTimer = 'real-time thread' | 'thread' | 'main thread';

interface PreparedClock {
  readonly clock: Clock;
  readonly timer: SleepTimer;
  /** `listener` is told if the timer thread dies later: from then on sleeps are timed on the main thread. */
  onTimerThreadLost(listener: (why: string) => void): void;
  /** Why the timer is not a real-time thread, when that was asked for. */
  readonly notRealtimeBecause?: string;
}

/**
 * Starts the wake-up thread ahead of the first sleep, so that sleep does not wait for it to boot,
 * and raises its priority as asked (see realtime-priority.ts).
 */
export function prepareSystemClock(priority: TimerPriority = 'normal'): Promise<PreparedClock> {
  // One thread per process, raised once: services packed into one process share it.
  let prepared = preparedByPriority.get(priority);
  if (!prepared) preparedByPriority.set(priority, (prepared = prepareOnce(priority)));
  return prepared;
}

const preparedByPriority = new Map<TimerPriority, Promise<PreparedClock>>();

async function prepareOnce(priority: TimerPriority): Promise<PreparedClock> {
  const wakeTimer = startedWakeTimer();
  const base = { clock: systemClock, onTimerThreadLost: (listener: (why: string) => void) => wakeTimer.onThreadLost(listener) };
  if (!(await wakeTimer.ready)) {
    return { ...base, timer: 'main thread', notRealtimeBecause: priority === 'normal' ? undefined : 'the timer thread could not start' };
  }
  if (priority === 'normal') return { ...base, timer: 'thread' };
  const notRealtimeBecause = await raiseToRealtime(wakeTimer.osThreadId);
  return { ...base, timer: notRealtimeBecause ? 'thread' : 'real-time thread', notRealtimeBecause };
}

function startedWakeTimer(): WakeTimer {
  wakeTimer ??= new WakeTimer();
  return wakeTimer;
}

function abortError(signal: RequestSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'aborted');
  error.name = 'AbortError';
  return error;
}
