import { makeDrivingClient } from './make-driving-client';
import { OpenLoopRun, type LoadPlan } from './open-loop';

export interface TrafficOptions {
  /** Deadline of each request: however the servers behave, no request is in flight longer. */
  timeoutMs: number;
  /** HTTP/2 connections per target (default 1). */
  channelsPerTarget?: number;
}

/** An open-loop run and the client it sends through, made together and closed together. */
export interface Traffic {
  readonly run: OpenLoopRun;
  /** Opens the connections, then starts the run, unless it was stopped meanwhile. */
  start(): Promise<void>;
  /** Closes the connections; a request still in flight then ends UNAVAILABLE. */
  close(): void;
}

/** How long to wait for connections before starting the clock anyway. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The traffic of `load`, `verify` and `up` alike: the plan's targets, each reached through the
 * one DrivingClient, scheduled by the one OpenLoopRun. The run exists (and can be stopped, or
 * watched) before start(), which connects first so that connecting does not delay the schedule.
 */
export function openTraffic(plan: LoadPlan, options: TrafficOptions): Traffic {
  const client = makeDrivingClient(
    plan.targets.map((target) => target.address),
    { timeoutMs: options.timeoutMs, channelsPerTarget: options.channelsPerTarget ?? 1 },
  );
  const run = new OpenLoopRun(client, plan);
  return {
    run,
    async start() {
      await client.connect(CONNECT_TIMEOUT_MS);
      run.start();
    },
    close: () => client.close(),
  };
}
