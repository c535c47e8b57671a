import type { PlannedService, Role } from './call-plan';

/**
 * Words for domain services and the stores they own, most hub-like first (scale-free's hubs are
 * its oldest services): names a reader can tell apart in a trace view.
 */
export const DOMAIN_WORDS = [
  'users', 'auth', 'catalog', 'orders', 'payments', 'inventory', 'pricing', 'cart', 'shipping', 'search',
  'accounts', 'billing', 'reviews', 'ratings', 'recommendations', 'notifications', 'profiles', 'sessions', 'coupons', 'loyalty',
  'invoices', 'refunds', 'returns', 'warehouse', 'delivery', 'tracking', 'media', 'images', 'content', 'ads',
  'campaigns', 'analytics', 'reports', 'audit', 'fraud', 'risk', 'ledger', 'tax', 'currency', 'geo',
  'stores', 'vendors', 'suppliers', 'contracts', 'subscriptions', 'plans', 'quotes', 'wishlist', 'feeds', 'messages',
] as const;

const STORE_KINDS = ['db', 'cache', 'store'] as const;

/** One name per planned service, unique DNS labels: edge, edge-2, api-1, orders, orders-db… */
export function nameServices(services: readonly PlannedService[]): string[] {
  const taken = new Set<string>();
  const seen: Record<Role, number> = { edge: 0, api: 0, domain: 0, store: 0 };
  const edges = services.filter((service) => service.role === 'edge').length;
  return services.map((service) => {
    const nth = seen[service.role]++;
    const name = unique(baseName(service.role, nth, edges), taken);
    taken.add(name);
    return name;
  });
}

function baseName(role: Role, nth: number, edges: number): string {
  const word = DOMAIN_WORDS[nth % DOMAIN_WORDS.length];
  if (role === 'edge') return edges === 1 ? 'edge' : `edge-${nth + 1}`;
  if (role === 'api') return `api-${nth + 1}`;
  if (role === 'store') return `${word}-${STORE_KINDS[Math.floor(nth / DOMAIN_WORDS.length) % STORE_KINDS.length]}`;
  return word;
}

/** The name, or the name with the first free -2, -3… */
function unique(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let suffix = 2; ; suffix++) if (!taken.has(`${name}-${suffix}`)) return `${name}-${suffix}`;
}
