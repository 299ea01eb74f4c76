import type { StoredConnection } from './types.js';

/** Most routing keys kept per connection: a registration lists its site and a handful of webhook ids. */
export const MAX_ROUTE_KEYS = 50;
/** Longest routing key kept, in characters. */
export const MAX_ROUTE_KEY_LENGTH = 200;

/**
 * The routing keys a store indexes for a connection (`webhook.registration.routeKeys`): strings of 1 to 200
 * characters, duplicates dropped, at most 50. Stores call it in `saveConnection` so all of them index the same keys,
 * whatever a connector put in its registration.
 */
export function webhookRouteKeys(connection: Pick<StoredConnection, 'webhook'>): string[] {
  const keys = connection.webhook?.registration?.routeKeys;
  if (!Array.isArray(keys)) return [];
  const out = new Set<string>();
  for (const key of keys) {
    if (typeof key === 'string' && key.length > 0 && key.length <= MAX_ROUTE_KEY_LENGTH) out.add(key);
    if (out.size >= MAX_ROUTE_KEYS) break;
  }
  return [...out];
}
