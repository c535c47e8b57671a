/**
 * What the main thread and the wake-up thread share: their messages and their shared memory.
 * Kept apart from wake-thread.ts, the thread's body, which runs itself when loaded inside a
 * worker: the main thread must not load that body (and its queue with it) just for these.
 */
import type { MessagePort } from 'node:worker_threads';

/** Wake `id` at monotonic time `at` (ms), or forget `cancel`. */
export type WakeRequest = { readonly id: number; readonly at: number } | { readonly cancel: number };

/**
 * The monotonic time (ms) at which the wait for `id` ended; `ready` once, when the thread runs,
 * with its OS thread id so that the main thread can raise its priority.
 */
export type WakeNotice = { readonly id: number; readonly woke: number } | { readonly ready: true; readonly osThreadId: number | undefined };

/** nextWake's value when no wake-up is pending. */
export const NEVER = 2n ** 63n - 1n;

/** A monotonic time in ms as whole microseconds, for nextWake, which Atomics can read whole. */
export const asMicros = (ms: number): bigint => (Number.isFinite(ms) ? BigInt(Math.floor(ms * 1000)) : NEVER);

export interface WakeThreadData {
  readonly port: MessagePort;
  /** Cell 0 is bumped by the main thread after every request it posts. */
  readonly signal: Int32Array;
  /** Cell 0: the monotonic time (whole µs) the thread will next wake by itself; NEVER when none is pending. */
  readonly nextWake: BigInt64Array;
}
