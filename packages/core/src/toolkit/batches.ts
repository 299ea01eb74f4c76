import { ConfigError } from '../errors/config-error.js';

/**
 * Splits ids into batches of at most `size` for a platform's batch endpoint (Zendesk's `show_many`, 100 ids;
 * HubSpot's batch reads, 100 inputs), dropping repeats first: a batch read answers each id once, and a repeated id
 * would only take the place of another.
 *
 * @example
 * for (const ids of batches(externalIds, 100)) await ctx.http.post('crm/v3/objects/tickets/batch/read', { json: { inputs: ids.map((id) => ({ id })) } });
 */
export function batches<T>(items: Iterable<T>, size: number): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new ConfigError(`batch size must be a whole number, 1 or more; got ${String(size)}`);
  const unique = [...new Set(items)];
  const out: T[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}
