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
