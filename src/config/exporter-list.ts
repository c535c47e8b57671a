/**
 * An OTEL_{signal}_EXPORTER value read as the OpenTelemetry spec allows: one name or a
 * comma-separated list, `none` (or unset) for no exporter. Each name is checked: an unknown one is
 * refused (exit 2) like any other bad setting rather than skipped with a diagnostic no one reads,
 * and `none` beside other names is refused too, since what the user meant is unclear (the Java
 * SDK's autoconfigure refuses that combination the same way).
 */
export function readExporterList<T extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  known: readonly T[],
  fail: (problem: string) => undefined,
): readonly T[] {
  const raw = env[name];
  const names = (raw ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  const unknown = names.filter((entry) => entry !== 'none' && !(known as readonly string[]).includes(entry));
  const choices = `${known.join(', ')} or none, or a comma-separated list of ${known.join(' and ')}`;
  if (unknown.length > 0) {
    fail(`${name}: unknown exporter ${unknown.map((entry) => JSON.stringify(entry)).join(', ')}; must be ${choices} (got ${JSON.stringify(raw)})`);
    return [];
  }
  if (names.includes('none') && names.some((entry) => entry !== 'none')) {
    fail(`${name}: none cannot be combined with other exporters (got ${JSON.stringify(raw)})`);
    return [];
  }
  return Object.freeze([...new Set(names.filter((entry) => entry !== 'none'))] as T[]);
}
