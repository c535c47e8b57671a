/**
 * Names each target accepts. Service names are already lowercase DNS labels (the topology checks
 * them), but the topology's own name is free text and becomes a Kubernetes namespace and label,
 * a compose project, an ECS family prefix and a Cloud Map namespace; CloudFormation logical IDs
 * must be alphanumeric. Every function here is pure, so the same input gives the same names.
 */

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True for an RFC 1035 label as Kubernetes wants for Services and namespaces (≤ 63, starts with a letter). */
export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

/**
 * Free text → an RFC 1035 label: lowercase, runs of anything else become one "-", starts with a
 * letter, at most `max` characters, no "-" at the end. `fallback` when nothing usable is left.
 */
export function toDnsLabel(text: string, fallback: string, max = 63): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return cleaned === '' ? fallback : cleaned;
}

/** Compose project names: lowercase letters, digits, "-" and "_", starting with a letter or digit. */
export function toComposeProjectName(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[-_]+$/, '');
  return cleaned === '' ? 'thespian' : cleaned;
}

/** "payments-eu" → "PaymentsEu": CloudFormation logical IDs are [A-Za-z0-9]+. */
function toLogicalId(text: string): string {
  const id = text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return id === '' ? 'Service' : id;
}

/**
 * Logical IDs for several names, unique even when two names differ only in punctuation
 * ("a-1" and "a1" both make "A1"): later ones get 2, 3, ... in the order given, which is the
 * topology's file order, so the result is stable.
 */
export function uniqueLogicalIds(names: readonly string[], reserved: readonly string[] = []): Map<string, string> {
  const taken = new Set(reserved);
  const ids = new Map<string, string>();
  for (const name of names) {
    const base = toLogicalId(name);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

/** `base`, or `base-2`, `base-3`... when a name in `taken` has it (the names a target adds beside the topology's services). */
export function unusedName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/** Kubernetes label values: ≤ 63 of [A-Za-z0-9._-], beginning and ending alphanumeric. */
export function toLabelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}
