/** Number-valued command-line options of poke and load. Each returns undefined for bad input, for the command to report. */

export function wholeNumberAtLeast(text: string, minimum: number): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= minimum ? value : undefined;
}

export function numberAtLeast(text: string, minimum: number): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) && value >= minimum ? value : undefined;
}

function positiveNumber(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** A duration in seconds: `30`, `30s`, `1.5m`, `500ms`. */
export function durationSeconds(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const scale = { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const value = Number(match[1]) * scale;
  return value > 0 ? value : undefined;
}

/** A rate: `200`, `200/s`, `1.5/s`. */
export function ratePerSecond(text: string): number | undefined {
  return positiveNumber(text.trim().replace(/\/s$/, ''));
}
