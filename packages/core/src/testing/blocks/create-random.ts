/** A seeded source of pseudo-random values. Same seed, same calls → same values, on every machine. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements (fewer if the array is shorter), in draw order. */
  sample<T>(items: readonly T[], count: number): T[];
}

/**
 * A seeded PRNG (mulberry32: 32-bit state, tiny and fast, plenty for test data). Simulators use it instead of
 * `Math.random` so that a failing test replays exactly with the same seed.
 *
 * @example
 * ```ts
 * const random = createRandom(42);
 * random.pick(['a', 'b', 'c']);
 * ```
 */
export function createRandom(seed: number): Random {
  // Spread small consecutive seeds (1, 2, 3...) apart so their streams do not start alike.
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('[ticketbridge] pick() from an empty array');
      return items[Math.floor(next() * items.length)] as T;
    },
    sample<T>(items: readonly T[], count: number): T[] {
      const pool = [...items];
      const out: T[] = [];
      while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as T);
      return out;
    },
  };
}
