import { DrivingClient } from './driving-client';
import type { LoadResult } from './load-result';
import { OpenLoopRun, type LoadPlan } from './open-loop';

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

/** How long to wait for connections before starting the clock anyway. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Sends the plan's requests (N of them, or for a duration) open-loop to its targets and
 * resolves with every request's status, latencies and trace id in `result.requests`, plus the
 * summary. Opens the connections first and closes them at the end. This is what `load` does
 * and what `verify` needs before it looks the traces up.
 */
export async function sendToTargets(plan: LoadPlan, options: SendOptions = {}): Promise<LoadResult> {
  const client = new DrivingClient(
    plan.targets.map((target) => target.address),
    { timeoutMs: options.timeoutMs ?? 10_000, channelsPerTarget: options.channelsPerTarget ?? 1 },
  );
  try {
    await client.connect(CONNECT_TIMEOUT_MS);
    const run = new OpenLoopRun(client, plan);
    const stop = () => run.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      run.start();
      if (options.signal?.aborted) run.stop();
      options.onStart?.(run);
      return await run.finished;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  } finally {
    client.close();
  }
}
