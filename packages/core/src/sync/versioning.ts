import { createHash } from 'node:crypto';
import type { TicketChanges, TicketDraft } from '../model/ticket.js';
import type { DeliveredVersion } from '../store/types.js';
import { instantOf } from '../toolkit/iso-instant.js';

/**
 * Fingerprints written before 0.2 (and still in stores): the first 22 base64url characters of a SHA-256 over a JSON
 * array of the same fields. New fingerprints are 17 characters (`v` + 16 hex digits), so the two never mix up.
 */
const LEGACY_LENGTH = 22;
const LEGACY_DELETED = createHash('sha256').update('["deleted"]').digest('base64url').slice(0, LEGACY_LENGTH);

/** The old fingerprint, computed only to compare with a version an older release stored (see {@link judgeVersion}). */
function legacyFingerprint(t: TicketDraft): string {
  if (t.deleted) return LEGACY_DELETED;
  const material = JSON.stringify([t.subject, t.description, t.status, t.priority, t.assignee?.externalId ?? null, t.requester?.externalId ?? null, [...t.tags].sort(), t.deleted]);
  return createHash('sha256').update(material).digest('base64url').slice(0, LEGACY_LENGTH);
}

// Two 32-bit multiply-xor lanes (the mixing of cyrb53, widened to 64 bits), fed UTF-16 code units. Module state
// instead of a closure: the hash runs once per ticket and must not allocate.
let lane1 = 0;
let lane2 = 0;

function mixUnit(unit: number): void {
  lane1 = Math.imul(lane1 ^ unit, 2654435761);
  lane2 = Math.imul(lane2 ^ unit, 1597334677);
}

/**
 * Feeds a field and then its length (or `NULL_MARK` for null): read from the end, the sequence of fields is
 * recoverable, so different field tuples feed different sequences (no `["ab","c"]` / `["a","bc"]` aliasing).
 */
function mixField(value: string | null): void {
  if (value === null) {
    mixUnit(NULL_MARK);
    return;
  }
  for (let i = 0; i < value.length; i++) mixUnit(value.charCodeAt(i));
  // Lengths above 0xffff are fed as two units so any length stays distinct.
  mixUnit(0x10000 | (value.length & 0xffff));
  if (value.length > 0xffff) mixUnit(0x20000 | (value.length >>> 16));
}
const NULL_MARK = 0x30000;

/** Character codes of the hex digits, so a fingerprint is one string built from 17 codes (no toString, no padding). */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hexAt = (n: number, shift: number) => HEX[(n >>> shift) & 15]!;

const DELETED_FINGERPRINT = 'v' + '0'.repeat(16);

/**
 * Hash of the normalized fields that define a version. Two deliveries of the same platform state (one by poll,
 * one by webhook) hash alike; two edits within the same second of a second-granular platform do not. `raw`,
 * comments and people's names stay out of it because poll and webhook paths may carry them differently.
 *
 * Why a fast non-cryptographic 64-bit hash is enough: the fingerprint is only consulted when a ticket comes back
 * with the very same `updatedAt` as the version already delivered, to tell a repeat from a same-second edit. A
 * false "duplicate" needs two different states of one ticket with one timestamp and equal hashes: by chance about
 * 2^-64 per such pair. It is not collision-resistant against someone who crafts ticket text on purpose; the most
 * such a person achieves is that their own second edit within one second is held back until the ticket changes
 * again, which they could also get by simply not editing. A SHA-256 here cost several microseconds per ticket.
 */
export function versionFingerprint(t: TicketDraft): string {
  if (t.deleted) return DELETED_FINGERPRINT;
  lane1 = 0x9e3779b9;
  lane2 = 0x41c6ce57;
  mixField(t.subject);
  mixField(t.description);
  mixField(t.status);
  mixField(t.priority);
  mixField(t.assignee?.externalId ?? null);
  mixField(t.requester?.externalId ?? null);
  // Tag order carries no meaning: the tags are hashed in sorted order.
  mixTagsSorted(t.tags);
  mixUnit(0x40000 | (t.tags.length & 0xffff));
  // Final avalanche, as in cyrb53: every input bit reaches every output bit of both lanes.
  let h1 = Math.imul(lane1 ^ (lane1 >>> 16), 2246822507);
  h1 ^= Math.imul(lane2 ^ (lane2 >>> 13), 3266489909);
  let h2 = Math.imul(lane2 ^ (lane2 >>> 16), 2246822507);
  h2 ^= Math.imul(lane1 ^ (lane1 >>> 13), 3266489909);
  return String.fromCharCode(
    0x76 /* v */,
    hexAt(h2, 28), hexAt(h2, 24), hexAt(h2, 20), hexAt(h2, 16), hexAt(h2, 12), hexAt(h2, 8), hexAt(h2, 4), hexAt(h2, 0),
    hexAt(h1, 28), hexAt(h1, 24), hexAt(h1, 20), hexAt(h1, 16), hexAt(h1, 12), hexAt(h1, 8), hexAt(h1, 4), hexAt(h1, 0),
  );
}

function isSorted(tags: readonly string[]): boolean {
  for (let i = 1; i < tags.length; i++) if (tags[i - 1]! > tags[i]!) return false;
  return true;
}

/** Lists up to this long are walked in sorted order in place; longer ones are copied and sorted. */
const IN_PLACE_SORT_MAX = 16;

/**
 * Mixes the tags in the order `[...tags].sort()` gives, without the copy for the usual short list: Zendesk sends tags
 * in the order they were added, and a sorted copy per ticket was a tenth of what the engine allocated per ticket.
 * Short lists are walked by picking the next larger tag (equal tags together) each time.
 */
function mixTagsSorted(tags: readonly string[]): void {
  if (isSorted(tags)) {
    for (const tag of tags) mixField(tag);
    return;
  }
  if (tags.length > IN_PLACE_SORT_MAX) {
    for (const tag of [...tags].sort()) mixField(tag);
    return;
  }
  let previous: string | undefined;
  for (let mixed = 0; mixed < tags.length; ) {
    let next: string | undefined;
    let count = 0;
    for (const tag of tags) {
      if (previous !== undefined && tag <= previous) continue;
      if (next === undefined || tag < next) {
        next = tag;
        count = 1;
      } else if (tag === next) count++;
    }
    for (let k = 0; k < count; k++) mixField(next!);
    mixed += count;
    previous = next;
  }
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
    // Not copied: stores copy or serialize what they keep, and the draft is not changed after delivery.
    tags: t.tags,
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
  // The same text is the same instant, without reading either (every row of a re-imported file).
  const a = instantOf(incoming.updatedAt);
  const b = incoming.updatedAt === previous.updatedAt ? a : instantOf(previous.updatedAt);
  if (a < b) return 'stale';
  if (a !== b) return 'new';
  if (fingerprint === previous.fingerprint) return 'duplicate';
  // Stored by an older release: compare in its format, so an upgrade does not re-deliver the overlap of the next poll.
  if (previous.fingerprint.length === LEGACY_LENGTH && legacyFingerprint(incoming) === previous.fingerprint) return 'duplicate';
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
  return `${connectionId}:${t.externalId}:${instantOf(t.updatedAt)}:${fingerprint}`;
}
