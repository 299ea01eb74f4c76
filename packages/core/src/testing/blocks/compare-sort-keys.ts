/** A position in a sorted listing: usually `[updatedAtMs, id]`. */
export type SortKey = readonly (string | number)[];

/**
 * Orders two sort keys component by component: numbers numerically, digit-only strings numerically (platform ids
 * such as `"9"` and `"10"`), other strings by code unit. Simulators sort with it and cursors resume with it, so an
 * incremental feed has one stable order even when many records share an updated time.
 */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareComponent(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

const DIGITS = /^\d+$/;

function compareComponent(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  if (DIGITS.test(sa) && DIGITS.test(sb)) {
    // Without leading zeros a longer digit string is a larger number; this avoids precision loss past 2^53.
    const ta = sa.replace(/^0+(?=\d)/, '');
    const tb = sb.replace(/^0+(?=\d)/, '');
    if (ta.length !== tb.length) return ta.length - tb.length;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Index of the first element whose key is greater than (`strict`) or not less than `key`. */
export function lowerBound<T>(items: readonly T[], key: SortKey, keyOf: (item: T) => SortKey, strict: boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareSortKeys(keyOf(items[mid]!), key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
