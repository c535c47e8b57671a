/**
 * An OTEL_{signal}_EXPORTER value read as the OpenTelemetry spec allows: one name or a
 * comma-separated list, `none` (or unset) for no exporter; a name given twice counts once. Each
 * unknown name is refused (exit 2) like any other bad setting, rather than skipped with a
 * diagnostic no one reads. The spec says nothing of `none` among other names (sdk-node then turns
 * the signal off altogether); since that is surely a mistake, it is refused too.
 */
export function readExporterList<T extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  known: readonly T[],
  fail: (problem: string) => undefined,
): readonly T[] {
  const raw = env[name];
  const names = (raw ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  const choices = [...known, 'none'];
  const unknown = names.filter((entry) => !choices.includes(entry));
  for (const entry of unknown) {
    const got = names.length > 1 ? `${JSON.stringify(entry)} in ${JSON.stringify(raw)}` : JSON.stringify(raw);
    fail(`${name}: must be one of ${choices.join(', ')}, or a comma-separated list of them (got ${got})`);
  }
  if (names.includes('none') && names.length > 1) fail(`${name}: none cannot be combined with other exporters (got ${JSON.stringify(raw)})`);
  if (unknown.length > 0) return [];
  return Object.freeze([...new Set(names.filter((entry): entry is T => entry !== 'none'))]);
}
