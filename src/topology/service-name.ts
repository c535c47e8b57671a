/**
 * Service names become host names: compose service names, Kubernetes Services (DNS-1035 labels),
 * ECS service discovery names. So they must be lowercase DNS labels everywhere, checked once here
 * rather than failing differently in each renderer.
 */
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Undefined when the name is fine, else why not (with a suggestion when one exists). */
export function checkServiceName(name: string): string | undefined {
  if (DNS_LABEL.test(name)) return undefined;
  const suggestion = suggestServiceName(name);
  const hint = suggestion && suggestion !== name ? `; try "${suggestion}"` : '';
  return (
    'a service name must be a lowercase DNS label (a-z, 0-9 and "-", starting with a letter, not ending with "-", ' +
    `at most 63 characters), because it becomes a host name in compose and Kubernetes${hint}`
  );
}

function suggestServiceName(name: string): string | undefined {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return DNS_LABEL.test(cleaned) ? cleaned : undefined;
}
