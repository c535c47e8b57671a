import { readlinkSync } from 'node:fs';

/** The calling thread's id in the OS (the tid of /proc/<pid>/task/<tid>), or undefined off Linux. */
export function currentOsThreadId(): number | undefined {
  try {
    const id = Number(/\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
