import type { Random } from '../probability';

/** The seeded draws a generator makes, on top of the engine's seedable stream. */
export class Dice {
  constructor(private readonly random: Random) {}

  chance(probability: number): boolean {
    return this.random.next() < probability;
  }

  /** A whole number from `low` to `high`, both included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.random.next() * (high - low + 1));
  }

  /** A number from `low` to `high`, to `decimals` places. */
  between(low: number, high: number, decimals: number): number {
    return Number((low + this.random.next() * (high - low)).toFixed(decimals));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random.next() * items.length)];
  }

  /** An item drawn with probability in proportion to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((sum, item) => sum + weight(item), 0);
    let roll = this.random.next() * total;
    for (const item of items) {
      roll -= weight(item);
      if (roll < 0) return item;
    }
    return items[items.length - 1];
  }

  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.random.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}
