/** What `thespian generate` is asked for, and the limits of what it makes. */
export const SHAPES = ['tiered', 'scale-free', 'fan-out', 'chain'] as const;
export type Shape = (typeof SHAPES)[number];

export interface GenerateOptions {
  readonly services: number;
  readonly shape: Shape;
  readonly seed: number;
  /** Tiers (tiered), levels (fan-out) or the longest call path (scale-free); chain's depth is `services`. */
  readonly depth?: number;
  /** Requests per second in all, shared by the entry points. */
  readonly entryRps: number;
}

export const MAX_SERVICES = 2000;
/**
 * An instance refuses a request that has passed through more than THESPIAN_MAX_HOPS (32 by
 * default) Thespians, so no call path may be longer: the first instance counts 0 hops.
 */
export const MAX_DEPTH = 32;
/**
 * Services one request reaches at most (tiered and scale-free), counting a service as often as
 * it is called: about 6 spans each, so a trace stays near 200 spans however large the system.
 */
export const MAX_VISITS_PER_REQUEST = 32;

/**
 * Calls one fan-out service makes at once, at most. Wider is rare in real systems, and
 * `predict` (which `thespian up` uses to check traces) runs out of stack on some 1,500 calls at once.
 */
export const MAX_FAN_OUT = 100;

export const DEFAULT_DEPTH: Readonly<Record<Shape, number | undefined>> = { tiered: 4, 'scale-free': 8, 'fan-out': 2, chain: undefined };

export const SHAPE_DESCRIPTIONS: Readonly<Record<Shape, string>> = {
  tiered:
    'edge services call an API tier, which calls domain services, which call data stores (one tier per level of --depth, ' +
    'now and then skipping one). Every service is called by the tier above; a request reaches at most ' +
    `${MAX_VISITS_PER_REQUEST} services, so large systems get more edge services, and a service the tier above has no room ` +
    'for becomes an entry point of its own.',
  'scale-free':
    'services join one at a time and call 1 to 3 older ones, chosen in proportion to how many callers those already have ' +
    '(preferential attachment): a few hubs end up called by many, most services by few. Services nobody calls are ' +
    `the entry points; a call path is at most --depth long and a request reaches at most ${MAX_VISITS_PER_REQUEST} services.`,
  'fan-out':
    'one entry service calls many services at once (ConcurrentActions) and waits for all of them, level by level ' +
    `(--depth levels, 2 by default: the entry and its leaves; more where a service would call over ${MAX_FAN_OUT} at once), ` +
    'as a search front end asks its shards; ' +
    "a request's latency is that of its slowest branch.",
  chain: 'each service calls the next, one after the other: a call path as deep as there are services.',
};
