import { closeSync, openSync } from 'node:fs';
import { UsageError } from './usage-error';

/** Finds out before a run, not after it, that its result (`option`'s file) could not be saved. */
export function checkWritable(path: string, option = '--json'): void {
  try {
    closeSync(openSync(path, 'w'));
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
