import { randomFillSync } from 'node:crypto';

// Random bytes drawn 4 KiB at a time: one call to the CSPRNG per ~340 ids instead of one per id, which showed up
// in the cost of every webhook (each gets an inbox id).
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A random, URL-safe id with a readable prefix (`conn_…`, `run_…`): 96 random bits. */
export function newId(prefix: string): string {
  if (offset + 12 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 12);
  offset += 12;
  return `${prefix}_${id}`;
}
