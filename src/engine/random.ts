import type { Random } from '../probability';

/** Math.random, for production runs without THESPIAN_SEED. It has no fork: reproducibility is not asked for. */
export const systemRandom: Random = { next: () => Math.random() };

/**
 * A small, fast, seedable generator (mulberry32). The same seed gives the same sequence in any
 * process, which is what makes seeded runs reproducible. `fork` derives independent streams by
 * hashing the parent's seed with a key, so the engine can give each request and each step its
 * own stream (see docs/config-reference.md, "Randomness").
 */
export function seededRandom(seed: number): Random {
  return new SeededStream(seed >>> 0);
}

class SeededStream implements Random {
  private state: number;

  constructor(private readonly origin: number) {
    this.state = origin;
  }

  get streamId(): string {
    return this.origin.toString(16).padStart(8, '0');
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  fork(key: string): Random {
    return new SeededStream(mixKey(this.origin, key));
  }
}

/** A 32-bit hash of (seed, key) with full avalanche, so that "0.1" and "0.2" give unrelated seeds. */
function mixKey(seed: number, key: string): number {
  let h = (seed ^ 0x9e3779b9 ^ key.length) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
