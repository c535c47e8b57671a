import type { LoadResult } from './load-result';
import type { LoadPlan, OpenLoopRun } from './open-loop';
import { openTraffic } from './open-traffic';

interface SendOptions {
  /** Deadline of each request (default 10 s). */
  timeoutMs?: number;
  /** HTTP/2 connections per target (default 1). */
  channelsPerTarget?: number;
  /** Stops sending early; the requests in flight are still awaited. */
  signal?: AbortSignal;
  /** Called once the run has started, e.g. to show its progress. */
  onStart?: (run: OpenLoopRun) => void;
}

/**
 * Sends the plan's requests (N of them, or for a duration) open-loop to its targets and
 * resolves with every request's status, latencies and trace id in `result.requests`, plus the
 * summary. Opens the connections first and closes them at the end. This is what `load` does
 * and what `verify` needs before it looks the traces up.
 */
export async function sendToTargets(plan: LoadPlan, options: SendOptions = {}): Promise<LoadResult> {
  const traffic = openTraffic(plan, { timeoutMs: options.timeoutMs ?? 10_000, channelsPerTarget: options.channelsPerTarget ?? 1 });
  const stop = () => traffic.run.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (options.signal?.aborted) stop();
    await traffic.start();
    options.onStart?.(traffic.run);
    return await traffic.run.finished;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    traffic.close();
  }
}
