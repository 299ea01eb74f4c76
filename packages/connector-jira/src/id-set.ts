/**
 * A set of Jira issue ids (decimal strings) packed for the pull cursor: sorted, delta-encoded as unsigned LEB128
 * varints, base64url. Issue ids of one site grow by small steps, so most take one or two bytes: 100,000 issues fit
 * in about 200 KB of cursor, which is what lets the deletion check compare against the ids delivered before without
 * any storage of its own.
 */

/** The most ids a packed set holds; past it the deletion check is skipped (and says so) rather than growing the cursor. */
export const MAX_PACKED_IDS = 1_000_000;

/** Packs ids (duplicates and non-numeric values dropped). */
export function packIds(ids: Iterable<string | number>): string {
  const numbers = new Set<number>();
  for (const id of ids) {
    const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= 0) numbers.add(n);
  }
  const sorted = [...numbers].sort((a, b) => a - b);
  const bytes: number[] = [];
  let previous = 0;
  for (const n of sorted) {
    let delta = n - previous;
    previous = n;
    // LEB128: seven bits per byte, high bit set on every byte but the last. Division, not >>>, past 2^31.
    do {
      const low = delta % 128;
      delta = Math.floor(delta / 128);
      bytes.push(delta > 0 ? low | 0x80 : low);
    } while (delta > 0);
  }
  return Buffer.from(bytes).toString('base64url');
}

/** Unpacks a set made by {@link packIds}, in ascending order. Throws on a truncated value. */
export function unpackIds(packed: string): string[] {
  const bytes = Buffer.from(packed, 'base64url');
  const out: string[] = [];
  let previous = 0;
  let i = 0;
  while (i < bytes.length) {
    let delta = 0;
    let scale = 1;
    for (;;) {
      if (i >= bytes.length) throw new RangeError('packed id set is truncated');
      const b = bytes[i++]!;
      delta += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
      if (scale > 2 ** 56) throw new RangeError('packed id set holds a value too large');
    }
    previous += delta;
    out.push(String(previous));
  }
  return out;
}
