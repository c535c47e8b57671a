/**
 * A duration as people write it on a command line or in a topology file, in seconds, above 0:
 * `30` (seconds), `30s`, `1.5m`, `500ms`, `2h`; undefined for anything else.
 */
export function durationSeconds(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const scale = { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const value = Number(match[1]) * scale;
  return value > 0 ? value : undefined;
}

/**
 * `seconds` as a text `durationSeconds` reads back to exactly the same number, for files that
 * hand a duration to `thespian` again (rendered traffic generators). JavaScript's shortest
 * round-trip form is exact but turns to an exponent (`1e-7`, `1e+21`) that `durationSeconds`
 * does not take; below 1e21 it has none for anything of a microsecond or more, and at 1e21 or
 * more every double is a whole number, which BigInt writes out digit by digit.
 */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 1e-6) throw new RangeError(`durationText takes a finite time of at least 1 µs (got ${seconds})`);
  return `${seconds >= 1e21 ? BigInt(seconds).toString() : String(seconds)}s`;
}
