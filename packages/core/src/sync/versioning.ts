import { createHash } from 'node:crypto';
import type { TicketChanges, TicketDraft } from '../model/ticket.js';
import type { DeliveredVersion } from '../store/types.js';

/**
 * A deletion is one version whatever path reported it: a webhook's tombstone carries no fields, a poll's deleted
 * ticket carries its last ones.
 */
const DELETED_FINGERPRINT = createHash('sha256').update('["deleted"]').digest('base64url').slice(0, 22);

/**
 * Hash of the normalized fields that define a version. Two deliveries of the same platform state (one by poll,
 * one by webhook) hash alike; two edits within the same second of a second-granular platform do not. `raw`,
 * comments and people's names stay out of it because poll and webhook paths may carry them differently.
 */
export function versionFingerprint(t: TicketDraft): string {
  if (t.deleted) return DELETED_FINGERPRINT;
  const material = JSON.stringify([
    t.subject,
    t.description,
    t.status,
    t.priority,
    t.assignee?.externalId ?? null,
    t.requester?.externalId ?? null,
    [...t.tags].sort(),
    t.deleted,
  ]);
  return createHash('sha256').update(material).digest('base64url').slice(0, 22);
}

/** The record the store keeps for the last delivered version of a ticket. */
export function toDeliveredVersion(t: TicketDraft, fingerprint: string, deliveredAt: string): DeliveredVersion {
  return {
    externalId: t.externalId,
    updatedAt: t.updatedAt,
    fingerprint,
    status: t.status,
    priority: t.priority,
    assigneeId: t.assignee?.externalId ?? null,
    tags: [...t.tags],
    deleted: t.deleted,
    deliveredAt,
  };
}

/** How an incoming version relates to the last delivered one. */
export type VersionVerdict = 'new' | 'duplicate' | 'stale';

/**
 * `stale` when older than what the host has (a late poll page after a webhook), `duplicate` when the same version
 * or a second report of a deletion already delivered, `new` otherwise (a restored ticket is new again). Timestamps
 * compare as instants, not strings, so `…Z` and `….000Z` agree.
 */
export function judgeVersion(incoming: TicketDraft, fingerprint: string, previous: DeliveredVersion | undefined): VersionVerdict {
  if (!previous) return 'new';
  // Deleted twice (a deletion webhook, then the poll's deleted ticket, each with its own timestamp) is one deletion.
  if (incoming.deleted && previous.deleted) return 'duplicate';
  const a = Date.parse(incoming.updatedAt);
  const b = Date.parse(previous.updatedAt);
  if (a < b) return 'stale';
  if (a === b && fingerprint === previous.fingerprint) return 'duplicate';
  return 'new';
}

/** What changed between the previous delivered version and this one, for the fields hosts alert on. */
export function diffVersions(previous: DeliveredVersion, next: TicketDraft): TicketChanges | undefined {
  const changes: TicketChanges = {};
  if (previous.status !== next.status) changes.status = { from: previous.status, to: next.status };
  if (previous.priority !== next.priority) changes.priority = { from: previous.priority, to: next.priority };
  const nextAssignee = next.assignee?.externalId ?? null;
  if (previous.assigneeId !== nextAssignee) changes.assignee = { from: previous.assigneeId, to: nextAssignee };
  const before = new Set(previous.tags);
  const after = new Set(next.tags);
  const added = next.tags.filter((t) => !before.has(t));
  const removed = previous.tags.filter((t) => !after.has(t));
  if (added.length || removed.length) changes.tags = { added, removed };
  return Object.keys(changes).length ? changes : undefined;
}

/** Stable idempotency key of a version: the same on every redelivery, whatever path delivered it. */
export function idempotencyKey(connectionId: string, t: TicketDraft, fingerprint: string): string {
  return `${connectionId}:${t.externalId}:${Date.parse(t.updatedAt)}:${fingerprint}`;
}
