import type { Random } from './ports';

/** Math.random, for production runs without THESPIAN_SEED. */
export const systemRandom: Random = { next: () => Math.random() };

/**
 * A small, fast, seedable generator (mulberry32). The same seed gives the same sequence in any
 * process, which is what makes seeded runs reproducible.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
