/** The environment as the settings readers take it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A standard OTEL_* number: a whole number of at least `min`. Anything else is warned about and
 * the default used, as the OpenTelemetry spec asks (carry on, do not refuse to start).
 */
export function readStandardNumber(env: Env, name: string, fallback: number, min: number, warnings: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (/^\d+$/.test(raw.trim()) && value >= min && Number.isSafeInteger(value)) return value;
  warnings.push(`${name}: must be a whole number of at least ${min} (got ${JSON.stringify(raw)}); using the default ${fallback}`);
  return fallback;
}
