import { open } from 'node:fs/promises';
import type { LoadResult } from './load-result';
import type { RequestRecord } from './request-log';

/** Bumped when a field changes meaning, so scripts reading the file can tell. */
const JSON_RESULT_VERSION = 1;

const RECORDS_PER_WRITE = 2000;

/**
 * Writes the result of a load as JSON: the summary's fields at the top level, then `requests`,
 * one object per request sent in schedule order, each with its `traceId` (when the server
 * answered) and `target` (an index into `targets`). Times are ms, rounded to the microsecond.
 * Written in chunks, so a long run's file need never exist as one string in memory.
 */
export async function writeJsonResult(path: string, result: LoadResult): Promise<void> {
  const file = await open(path, 'w');
  try {
    const head = JSON.stringify({ version: JSON_RESULT_VERSION, ...result.summary }, null, 2);
    // Open the object back up to append the requests array after the summary's fields.
    await file.write(`${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "requests": [`);
    const records = result.requests?.inScheduleOrder() ?? [];
    for (let start = 0; start < records.length; start += RECORDS_PER_WRITE) {
      const chunk = records.slice(start, start + RECORDS_PER_WRITE).map((record, offset) => `${start + offset === 0 ? '' : ','}\n    ${JSON.stringify(rounded(record))}`);
      await file.write(chunk.join(''));
    }
    await file.write(records.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
  } finally {
    await file.close();
  }
}

function rounded(record: RequestRecord): RequestRecord {
  return {
    ...record,
    scheduledMs: micro(record.scheduledMs),
    sentMs: micro(record.sentMs),
    latencyMs: micro(record.latencyMs),
    serviceMs: micro(record.serviceMs),
  };
}

function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
