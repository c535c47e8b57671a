import type { LatencyModel } from './latency-distribution';
import type { Random } from './random';

/**
 * How long something takes, as a probability distribution that can be combined the way a
 * behaviour combines steps: one after another (sum), together (max), one of several outcomes
 * (mixture), and "given that it finished within a timeout" (below).
 *
 * Fixed durations stay an exact discrete distribution through every combination (up to
 * MAX_POINTS points), so configs with fixed durations get exact answers. A drawn duration keeps
 * its closed-form CDF as long as it is combined only with discrete parts, by max, or by mixing;
 * a sum of two drawn durations has no closed form here and is left to Monte Carlo (`sample`).
 */
export type Duration =
  /** ms → probability; the probabilities add up to 1. */
  | { readonly kind: 'discrete'; readonly points: ReadonlyMap<number, number> }
  /** One draw from a latency model, rounded to whole ms (as a Sleep does) and capped (as a Compute is). */
  | { readonly kind: 'draw'; readonly model: LatencyModel; readonly round: boolean; readonly capMs: number }
  | { readonly kind: 'sum'; readonly parts: readonly Duration[] }
  | { readonly kind: 'max'; readonly parts: readonly Duration[] }
  | { readonly kind: 'mixture'; readonly parts: readonly { readonly weight: number; readonly duration: Duration }[] }
  /** `base` given that it is at most `limitMs`. */
  | { readonly kind: 'below'; readonly base: Duration; readonly limitMs: number }
  /** `base` × factor + extraMs, then rounded (if `round`) and capped: a step an incident slows down. */
  | { readonly kind: 'scaled'; readonly base: Duration; readonly factor: number; readonly extraMs: number; readonly round: boolean; readonly capMs: number };

/** Beyond this many points a discrete distribution is kept as a structure instead (and sampled). */
const MAX_POINTS = 4096;
/** A sum with one drawn part and a discrete part of at most this many points still has a closed-form CDF. */
const MAX_SHIFTS_FOR_CDF = 512;

export function fixedDuration(ms: number): Duration {
  return { kind: 'discrete', points: new Map([[ms, 1]]) };
}

export const ZERO: Duration = fixedDuration(0);

export function drawnDuration(model: LatencyModel, options: { round: boolean; capMs: number }): Duration {
  if (model.distribution.kind === 'Fixed') {
    const ms = Math.min(options.capMs, model.distribution.ms);
    return fixedDuration(options.round ? Math.round(ms) : ms);
  }
  return { kind: 'draw', model, round: options.round, capMs: options.capMs };
}

export function isDiscrete(duration: Duration): duration is Extract<Duration, { kind: 'discrete' }> {
  return duration.kind === 'discrete';
}

/** The single value of a duration that is not random, else undefined. */
export function fixedValue(duration: Duration): number | undefined {
  if (duration.kind !== 'discrete' || duration.points.size !== 1) return undefined;
  return duration.points.keys().next().value;
}

export function addDurations(a: Duration, b: Duration): Duration {
  if (a.kind === 'discrete' && b.kind === 'discrete' && a.points.size * b.points.size <= MAX_POINTS) {
    return combinePoints(a.points, b.points, (x, y) => x + y);
  }
  if (fixedValue(a) === 0) return b;
  if (fixedValue(b) === 0) return a;
  return { kind: 'sum', parts: [...partsOf(a, 'sum'), ...partsOf(b, 'sum')] };
}

export function maxOfDurations(a: Duration, b: Duration): Duration {
  if (a.kind === 'discrete' && b.kind === 'discrete' && a.points.size * b.points.size <= MAX_POINTS) {
    return combinePoints(a.points, b.points, Math.max);
  }
  return { kind: 'max', parts: [...partsOf(a, 'max'), ...partsOf(b, 'max')] };
}

/** One of several durations, with these weights (which need not add up to 1; they are normalised). */
export function mixDurations(parts: readonly { weight: number; duration: Duration }[]): Duration {
  const kept = parts.filter((part) => part.weight > 0);
  const total = kept.reduce((sum, part) => sum + part.weight, 0);
  if (kept.length === 0) return ZERO;
  if (kept.length === 1) return kept[0].duration;
  if (kept.every((part) => part.duration.kind === 'discrete')) {
    const points = new Map<number, number>();
    for (const part of kept) {
      for (const [ms, p] of (part.duration as Extract<Duration, { kind: 'discrete' }>).points) {
        points.set(ms, (points.get(ms) ?? 0) + (part.weight / total) * p);
      }
    }
    if (points.size <= MAX_POINTS) return { kind: 'discrete', points };
  }
  return { kind: 'mixture', parts: kept.map((part) => ({ weight: part.weight / total, duration: part.duration })) };
}

/** `base` given that it is at most `limitMs` (a call that answered before its timeout). */
export function durationBelow(base: Duration, limitMs: number): Duration {
  if (base.kind === 'discrete') {
    const points = new Map<number, number>();
    let total = 0;
    for (const [ms, p] of base.points) if (ms <= limitMs) total += p;
    if (total === 0) return fixedDuration(limitMs);
    for (const [ms, p] of base.points) if (ms <= limitMs) points.set(ms, p / total);
    return { kind: 'discrete', points };
  }
  return { kind: 'below', base, limitMs };
}

/**
 * `base` × `factor` + `extraMs`, rounded to whole ms if `round` and capped at `capMs`: what an
 * incident's latency_factor and extra_latency_ms make of a Sleep's drawn time. A discrete base
 * stays discrete (each point moved), so fixed durations stay exact; a drawn one keeps its
 * closed-form CDF, since the change is monotone. `factor` must be ≥ 0.
 */
export function scaledDuration(base: Duration, factor: number, extraMs: number, options: { round: boolean; capMs: number }): Duration {
  const scaled: Extract<Duration, { kind: 'scaled' }> = { kind: 'scaled', base, factor, extraMs, round: options.round, capMs: options.capMs };
  if (base.kind === 'discrete') {
    const points = new Map<number, number>();
    for (const [ms, p] of base.points) {
      const at = scaleValue(scaled, ms);
      points.set(at, (points.get(at) ?? 0) + p);
    }
    return { kind: 'discrete', points };
  }
  // × 0 forgets the draw: only the extra is left.
  if (factor === 0) return fixedDuration(scaleValue(scaled, 0));
  return scaled;
}

function scaleValue(duration: Extract<Duration, { kind: 'scaled' }>, ms: number): number {
  const changed = ms * duration.factor + duration.extraMs;
  return Math.min(duration.capMs, duration.round ? Math.round(changed) : changed);
}

/** P(duration ≤ ms) in closed form, or undefined when there is none (then use sample()). */
export function cdfOf(duration: Duration, ms: number): number | undefined {
  switch (duration.kind) {
    case 'discrete': {
      let sum = 0;
      for (const [at, p] of duration.points) if (at <= ms) sum += p;
      return Math.min(1, sum);
    }
    case 'draw': {
      if (ms >= duration.capMs) return 1;
      // A Sleep rounds its draw: round(x) ≤ ms exactly when x < floor(ms) + 0.5.
      return duration.round ? duration.model.cdf(Math.floor(ms) + 0.5) : duration.model.cdf(ms);
    }
    case 'sum': {
      const random = duration.parts.filter((part) => part.kind !== 'discrete');
      if (random.length > 1) return undefined;
      const shift = duration.parts.filter(isDiscrete).reduce<Duration>((sum, part) => addDurations(sum, part), ZERO);
      if (shift.kind !== 'discrete' || shift.points.size > MAX_SHIFTS_FOR_CDF) return undefined;
      if (random.length === 0) return cdfOf(shift, ms);
      let total = 0;
      for (const [at, p] of shift.points) {
        const part = cdfOf(random[0], ms - at);
        if (part === undefined) return undefined;
        total += p * part;
      }
      return total;
    }
    case 'max': {
      let product = 1;
      for (const part of duration.parts) {
        const value = cdfOf(part, ms);
        if (value === undefined) return undefined;
        product *= value;
      }
      return product;
    }
    case 'mixture': {
      let total = 0;
      for (const part of duration.parts) {
        const value = cdfOf(part.duration, ms);
        if (value === undefined) return undefined;
        total += part.weight * value;
      }
      return total;
    }
    case 'below': {
      const limit = cdfOf(duration.base, duration.limitMs);
      const at = cdfOf(duration.base, Math.min(ms, duration.limitMs));
      if (limit === undefined || at === undefined) return undefined;
      return limit === 0 ? (ms >= duration.limitMs ? 1 : 0) : at / limit;
    }
    case 'scaled': {
      if (ms >= duration.capMs) return 1;
      // Math.round(x) ≤ m exactly when x < floor(m) + 0.5: so the base must lie strictly below
      // the point that maps there (a rounded base has whole values, so "strictly" matters).
      if (duration.round) return cdfStrictlyBelow(duration.base, (Math.floor(ms) + 0.5 - duration.extraMs) / duration.factor);
      return cdfOf(duration.base, (ms - duration.extraMs) / duration.factor);
    }
  }
}

/** P(duration < ms): the CDF a hair below `ms`, which differs from P(≤ ms) only where a value has weight. */
function cdfStrictlyBelow(duration: Duration, ms: number): number | undefined {
  return cdfOf(duration, ms - Math.max(1e-9, Math.abs(ms) * 1e-12));
}

/** True when cdfOf gives an answer for this duration (checked once at a point, which decides for all). */
export function hasClosedForm(duration: Duration): boolean {
  return cdfOf(duration, 0) !== undefined;
}

/** The p-quantile in closed form (exact for discrete, by bisection on the CDF otherwise), or undefined. */
export function quantileOf(duration: Duration, p: number): number | undefined {
  if (duration.kind === 'discrete') {
    const sorted = [...duration.points].sort(([a], [b]) => a - b);
    let sum = 0;
    for (const [ms, weight] of sorted) {
      sum += weight;
      if (sum >= p - 1e-12) return ms;
    }
    return sorted[sorted.length - 1]?.[0] ?? 0;
  }
  if (!hasClosedForm(duration)) return undefined;
  let high = 1;
  while ((cdfOf(duration, high) ?? 1) < p && high < 1e9) high *= 2;
  let low = 0;
  for (let i = 0; i < 80 && high - low > 1e-6; i++) {
    const middle = (low + high) / 2;
    if ((cdfOf(duration, middle) ?? 1) >= p) high = middle;
    else low = middle;
  }
  return high;
}

const cumulativeCache = new WeakMap<object, { values: number[]; cumulative: number[] }>();

/** A sum, max, `below` or `scaled` being sampled: the parts drawn so far (`next`) and what they came to. */
interface SampleFrame {
  readonly duration: Extract<Duration, { kind: 'sum' | 'max' | 'below' | 'scaled' }>;
  next: number;
  value: number;
}

/**
 * One random draw of the duration, using `random` as the engine would. A loop over a stack of its
 * own rather than recursion: a ConcurrentActions of 1,500 calls nests its failure branches 1,500
 * deep, past what the call stack holds. Draws are taken in the order the parts are written.
 */
export function sampleDuration(duration: Duration, random: Random): number {
  const frames: SampleFrame[] = [];
  let entering: Duration | undefined = duration;
  let value = 0;
  for (;;) {
    if (entering !== undefined) {
      if (entering.kind === 'mixture') {
        // Only one part is drawn: it takes the mixture's place, with no frame to come back to.
        entering = entering.parts[pick(mixtureTable(entering.parts).cumulative, random.next())].duration;
        continue;
      }
      if (entering.kind === 'discrete' || entering.kind === 'draw') {
        value = sampleSimple(entering, random);
        entering = undefined;
      } else {
        const frame: SampleFrame = { duration: entering, next: 0, value: 0 };
        entering = firstPart(frame);
        if (entering !== undefined) frames.push(frame);
        else value = 0;
        continue;
      }
    }
    const frame = frames[frames.length - 1];
    if (frame === undefined) return value;
    entering = takeDraw(frame, value);
    if (entering === undefined) {
      frames.pop();
      value = frame.value;
    }
  }
}

function firstPart(frame: SampleFrame): Duration | undefined {
  return frame.duration.kind === 'below' || frame.duration.kind === 'scaled' ? frame.duration.base : frame.duration.parts[0];
}

/** Counts a part's draw into its frame; the next part to draw, or undefined when the frame's value is final. */
function takeDraw(frame: SampleFrame, drawn: number): Duration | undefined {
  const duration = frame.duration;
  frame.next += 1;
  if (duration.kind === 'scaled') {
    frame.value = scaleValue(duration, drawn);
    return undefined;
  }
  if (duration.kind === 'below') {
    // Rejection: callers only ask for this where the limit is usually met.
    if (drawn <= duration.limitMs || frame.next >= 1000) {
      frame.value = drawn <= duration.limitMs ? drawn : duration.limitMs;
      return undefined;
    }
    return duration.base;
  }
  frame.value = duration.kind === 'sum' ? frame.value + drawn : Math.max(frame.value, drawn);
  return frame.next < duration.parts.length ? duration.parts[frame.next] : undefined;
}

function sampleSimple(duration: Extract<Duration, { kind: 'discrete' | 'draw' }>, random: Random): number {
  if (duration.kind === 'draw') {
    const ms = Math.min(duration.capMs, duration.model.sample(random));
    return duration.round ? Math.round(ms) : ms;
  }
  if (duration.points.size === 1) return duration.points.keys().next().value!;
  let table = cumulativeCache.get(duration.points);
  if (!table) {
    const values: number[] = [];
    const cumulative: number[] = [];
    let sum = 0;
    for (const [ms, p] of duration.points) {
      sum += p;
      values.push(ms);
      cumulative.push(sum);
    }
    table = { values, cumulative };
    cumulativeCache.set(duration.points, table);
  }
  return table.values[pick(table.cumulative, random.next())];
}

function mixtureTable(parts: Extract<Duration, { kind: 'mixture' }>['parts']): { values: number[]; cumulative: number[] } {
  let table = cumulativeCache.get(parts);
  if (!table) {
    let sum = 0;
    table = { values: [], cumulative: parts.map((part) => (sum += part.weight)) };
    cumulativeCache.set(parts, table);
  }
  return table;
}

/** Index of the first cumulative weight above u (u scaled to the total, which may be a little off 1). */
function pick(cumulative: readonly number[], u: number): number {
  const target = u * cumulative[cumulative.length - 1];
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (cumulative[middle] > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

function combinePoints(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>, combine: (x: number, y: number) => number): Duration {
  const points = new Map<number, number>();
  for (const [x, px] of a) {
    for (const [y, py] of b) {
      const at = combine(x, y);
      points.set(at, (points.get(at) ?? 0) + px * py);
    }
  }
  return { kind: 'discrete', points };
}

function partsOf(duration: Duration, kind: 'sum' | 'max'): readonly Duration[] {
  return duration.kind === kind ? duration.parts : [duration];
}
