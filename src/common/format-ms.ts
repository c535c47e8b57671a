/**
 * How a duration in milliseconds is printed, in one of two styles:
 * - `compact` (the default), read at a glance in trees, tables and one-line summaries (the
 *   waterfall, `thespian predict`, `thespian up`): about three significant figures and no space,
 *   `4.2ms`, `120ms`, `1.25s`, `12.5s`, `130s`; a negative duration (clock skew between
 *   processes) shows as 0;
 * - `measured`, for latencies compared digit by digit between runs (`thespian load`, `poke`):
 *   hundredths and a space, `0.41 ms`, `12.35 ms`, `1.00 s`.
 */
export function formatMs(ms: number, style: 'compact' | 'measured' = 'compact'): string {
  if (style === 'measured') return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`;
  if (ms < 0) ms = 0;
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 100_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.round(ms / 1000)}s`;
}

/** A configured span of time in words: `500 ms`, `10 s`, `2.5 s` (an incident's `for`, a request's deadline). */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}
