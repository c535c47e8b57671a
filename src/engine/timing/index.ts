/**
 * engine/timing/ — the real Clock behind Sleeps: a wake-up thread that times sleeps apart from
 * the busy main thread (wake-timer.ts, wake-thread.ts, wake-protocol.ts), the monotonic time it
 * shares with this thread, its optional real-time priority, and the queue that runs what follows
 * a wake-up one event-loop turn at a time (turn-queue.ts). It offers prepareSystemClock, which
 * starts the thread and hands out the Clock, and that queue. The Clock port itself is engine's
 * (ports.ts); the tree-walker sees only that.
 *
 * wake-thread.ts is not exported: it is loaded by path, as the thread's body (see wake-timer.ts).
 */
export { prepareSystemClock, type TimerPriority } from './clock';
export { eventLoopTurns, TurnQueue } from './turn-queue';
