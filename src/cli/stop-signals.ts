/**
 * A command that has put something in effect elsewhere (incidents on instances) must take it
 * back when it is interrupted: the first SIGINT or SIGTERM asks it to stop in order, a second
 * exits at once, for a person who will not wait.
 */
import { constants } from 'node:os';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** 128 + the signal's number, as a shell reports a process that signal ended: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/**
 * Runs `work` with a stop that the first SIGINT or SIGTERM aborts (its reason: the signal's
 * name); a second one exits the process at once. Outside `work` the signals are left alone.
 */
export async function stoppableBySignals<T>(work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal));
    controller.abort(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
