/**
 * The body of the wake-up thread (see wake-timer.ts).
 *
 * It has no event loop to wait for: it blocks in Atomics.wait until the next wake-up is due or
 * the main thread signals a new request, then reads its requests synchronously. Timed like this,
 * a wake-up comes within about 0.1 ms of its time when a CPU is free (libuv timers have a
 * resolution of a whole millisecond), and nothing the main thread does can hold it back. On an
 * oversubscribed machine the OS may still start it late, by up to a scheduler tick, unless it
 * has real-time priority (realtime-priority.ts).
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { DueHeap } from './due-heap';
import { monotonicMs } from './monotonic-time';
import { currentOsThreadId } from './os-thread-id';
import { asMicros, type WakeNotice, type WakeRequest, type WakeThreadData } from './wake-protocol';

function run({ port, signal, nextWake }: WakeThreadData): never {
  const due = new DueHeap();
  const waiting = new Set<number>();

  const take = (request: WakeRequest) => {
    if ('cancel' in request) {
      waiting.delete(request.cancel); // its heap entry is skipped when it comes up
    } else {
      waiting.add(request.id);
      due.push(request);
    }
  };

  /**
   * Posts every wake-up whose time has come, all with the one time the thread woke (posting can
   * wait on a lock the main thread holds, which must not make the later ones look late). Returns
   * the time of the next one.
   */
  const wakeDue = (now: number): number => {
    for (let next = due.peek(); next !== undefined; next = due.peek()) {
      if (!waiting.has(next.id)) {
        due.pop();
        continue;
      }
      if (next.at > now) return next.at;
      due.pop();
      waiting.delete(next.id);
      port.postMessage({ id: next.id, woke: now } satisfies WakeNotice);
    }
    return Infinity;
  };

  port.postMessage({ ready: true, osThreadId: currentOsThreadId() } satisfies WakeNotice);
  for (;;) {
    // Read before taking requests: a request posted after this makes the wait return at once.
    const seen = Atomics.load(signal, 0);
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) take(message.message as WakeRequest);
    const next = wakeDue(monotonicMs());
    Atomics.store(nextWake, 0, asMicros(next));
    Atomics.wait(signal, 0, seen, next - monotonicMs());
  }
}

if (workerData) run(workerData as WakeThreadData);
