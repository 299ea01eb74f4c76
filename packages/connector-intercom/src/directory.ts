import type { ConnectorContext } from '@ticketbridge/core';
import { AdminList, TeamList, paths } from './api.js';
import type { IntercomCredentials } from './credentials.js';
import type { Directory } from './normalize.js';

/** The workspace's admins and teams, read when a page needs them and then reused. */
export interface DirectoryCache {
  /** Names for these assignee ids; reads a list only when one of its ids is present. */
  get(ctx: ConnectorContext<IntercomCredentials>, wanted: { admins: boolean; teams: boolean }): Promise<Directory>;
}

/**
 * A cache per connection that reads List all admins only when an item is assigned to an admin, and List all teams only
 * when one is assigned to a team, each at most once per `ttlMs`: a sync pays once, not once per page. Both lists need
 * the "Read admins" permission; without it (401/403) assignees keep their ids, the sync goes on, and the list is not
 * asked for again until the entry expires.
 */
export function createDirectoryCache(ttlMs = 10 * 60_000): DirectoryCache {
  const admins = new Map<string, { at: number; map: Directory['admins'] }>();
  const teams = new Map<string, { at: number; map: Directory['teams'] }>();
  const fresh = (entry: { at: number } | undefined, now: number) => entry !== undefined && now - entry.at < ttlMs;
  return {
    async get(ctx, wanted) {
      const now = ctx.now().getTime();
      const out: Directory = { admins: new Map(), teams: new Map() };
      if (wanted.admins) {
        let entry = admins.get(ctx.connectionId);
        if (!fresh(entry, now)) {
          const res = await ctx.http.request(paths.admins, { schema: AdminList, acceptStatus: [401, 403] });
          if (!res.ok) ctx.logger.warn('Intercom refused List all admins (the app lacks "Read admins"); assignees keep their ids', { status: res.status });
          entry = { at: now, map: new Map(res.ok ? (res.data.admins ?? []).map((a) => [a.id, { name: a.name ?? null, email: a.email ?? null }]) : []) };
          admins.set(ctx.connectionId, entry);
        }
        out.admins = entry!.map;
      }
      if (wanted.teams) {
        let entry = teams.get(ctx.connectionId);
        if (!fresh(entry, now)) {
          const res = await ctx.http.request(paths.teams, { schema: TeamList, acceptStatus: [401, 403] });
          entry = { at: now, map: new Map(res.ok ? (res.data.teams ?? []).map((t) => [t.id, t.name ?? null]) : []) };
          teams.set(ctx.connectionId, entry);
        }
        out.teams = entry!.map;
      }
      return out;
    },
  };
}
