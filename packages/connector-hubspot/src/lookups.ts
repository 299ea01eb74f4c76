import type { ConnectorContext, Person } from '@ticketbridge/core';
import { batches, paginateCursor } from '@ticketbridge/core/toolkit';
import {
  ASSOCIATIONS_BATCH_LIMIT,
  AssociationsBatchResponse,
  BATCH_READ_LIMIT,
  BatchReadResponse,
  CONTACT_PROPERTIES,
  OWNERS_PAGE_LIMIT,
  OwnersResponse,
  PipelinesResponse,
  TICKET_PROPERTIES,
  hubspotErrorMessage,
  paths,
  type HubSpotObject,
} from './api.js';
import type { HubSpotCredentials } from './credentials.js';
import { lookupsFromMetadata, stagesFromPipelines, type HubSpotLookups, type HubSpotStage } from './normalize.js';

type Ctx = ConnectorContext<HubSpotCredentials>;

/** Reads every ticket pipeline and its stages (one request). */
export async function readStages(ctx: Ctx): Promise<Map<string, HubSpotStage>> {
  const data = await ctx.http.get(paths.ticketPipelines, { schema: PipelinesResponse });
  return stagesFromPipelines(data);
}

/**
 * Reads the portal's owners (usually one page of 500). A token without `crm.objects.owners.read` gets 403: tickets
 * then carry the owner id without name or e-mail, and the sync goes on.
 */
export async function readOwners(ctx: Ctx): Promise<Map<string, Person>> {
  const owners = new Map<string, Person>();
  const pages = paginateCursor({
    fetchPage: (after) =>
      ctx.http.request(paths.owners, {
        searchParams: { limit: OWNERS_PAGE_LIMIT, archived: false, ...(after ? { after } : {}) },
        schema: OwnersResponse,
        acceptStatus: [403],
      }),
    read: (res) => (res.ok ? { cursor: res.data.paging?.next?.after, end: !res.data.paging?.next } : { end: true }),
    signal: ctx.signal,
    platform: 'hubspot',
  });
  for await (const { page: res } of pages) {
    if (!res.ok) {
      ctx.logger.warn('HubSpot refused the owners list; assignees will have ids only (add the crm.objects.owners.read scope)', {
        platformMessage: hubspotErrorMessage(res.data),
      });
      return owners;
    }
    for (const o of res.data.results) {
      const name = [o.firstName, o.lastName].filter(Boolean).join(' ').trim();
      owners.set(o.id, { externalId: o.id, name: name || null, email: o.email ?? null });
    }
  }
  return owners;
}

/**
 * The requester of each ticket: its first associated contact, through one v4 associations batch read per 1,000
 * tickets and one contacts batch read per 100 contacts. Without the contacts scope HubSpot answers 403 and the
 * requester keeps only the contact id (or stays `null` when associations themselves are refused).
 */
export async function readRequesters(ctx: Ctx, ticketIds: string[], known?: ContactCache): Promise<Map<string, Person>> {
  const contactOf = new Map<string, string>();
  for (const batch of batches(ticketIds, ASSOCIATIONS_BATCH_LIMIT)) {
    const res = await ctx.http.request(paths.ticketContactAssociations, {
      method: 'POST',
      json: { inputs: batch.map((id) => ({ id })) },
      schema: AssociationsBatchResponse,
      idempotent: true,
      acceptStatus: [403],
    });
    if (!res.ok) {
      ctx.logger.warn('HubSpot refused ticket→contact associations; requesters left empty (add crm.objects.contacts.read)', {
        platformMessage: hubspotErrorMessage(res.data),
      });
      return new Map();
    }
    for (const r of res.data.results) {
      const first = r.to[0];
      if (first && !contactOf.has(r.from.id)) contactOf.set(r.from.id, first.toObjectId);
    }
  }
  const contacts = new Map<string, Person>();
  // Contacts this pull already read cost no request again: customers write in more than once.
  const contactIds: string[] = [];
  for (const id of new Set(contactOf.values())) {
    const cached = known?.get(id);
    if (cached) contacts.set(id, cached);
    else contactIds.push(id);
  }
  let refused = false;
  for (const batch of batches(contactIds, BATCH_READ_LIMIT)) {
    if (refused) break;
    const res = await ctx.http.request(paths.contactsBatchRead, {
      method: 'POST',
      json: { properties: [...CONTACT_PROPERTIES], inputs: batch.map((id) => ({ id })) },
      schema: BatchReadResponse,
      idempotent: true,
      acceptStatus: [403],
    });
    if (!res.ok) {
      refused = true;
      ctx.logger.warn('HubSpot refused the contacts batch read; requesters have ids only (add crm.objects.contacts.read)', {
        platformMessage: hubspotErrorMessage(res.data),
      });
      break;
    }
    for (const c of res.data.results) {
      const name = [c.properties['firstname'], c.properties['lastname']].filter(Boolean).join(' ').trim();
      const person: Person = { externalId: c.id, name: name || null, email: c.properties['email'] || null };
      contacts.set(c.id, person);
      known?.set(c.id, person);
    }
  }
  const out = new Map<string, Person>();
  for (const [ticketId, contactId] of contactOf) out.set(ticketId, contacts.get(contactId) ?? { externalId: contactId, name: null, email: null });
  return out;
}

/**
 * Reads tickets by id with `POST /crm/v3/objects/tickets/batch/read`, 100 per request. Ids HubSpot does not have
 * (deleted, merged away) come back in a 207's `errors` and are simply absent from the result.
 */
export async function batchReadTickets(ctx: Ctx, ids: string[], extraProperties: readonly string[]): Promise<HubSpotObject[]> {
  const out: HubSpotObject[] = [];
  for (const batch of batches(ids, BATCH_READ_LIMIT)) {
    const data = await ctx.http.post(paths.ticketsBatchRead, {
      json: { properties: [...TICKET_PROPERTIES, ...extraProperties], inputs: batch.map((id) => ({ id })) },
      schema: BatchReadResponse,
      idempotent: true,
    });
    out.push(...data.results);
  }
  return out;
}

/** Stage and owner lookups, shared by pulls and webhook hydration of one connection for a short while. */
export interface SharedLookups {
  at: number;
  stages: Map<string, HubSpotStage>;
  owners: Map<string, Person>;
}

/**
 * Per-connection cache of stages and owners. A pull always refreshes it (pipelines are read once per sync); webhook
 * batches reuse it for `ttlMs` so a burst of webhooks does not re-read pipelines each time.
 */
export class LookupCache {
  readonly #entries = new Map<string, SharedLookups>();
  constructor(readonly ttlMs: number) {}

  /** Fresh lookups (refresh) or cached ones younger than the TTL. */
  async get(ctx: Ctx, refresh: boolean): Promise<SharedLookups> {
    const cached = this.#entries.get(ctx.connectionId);
    const now = ctx.now().getTime();
    if (!refresh && cached && now - cached.at < this.ttlMs) return cached;
    const stages = await readStages(ctx);
    const owners = await readOwners(ctx);
    const entry = { at: now, stages, owners };
    this.#entries.set(ctx.connectionId, entry);
    return entry;
  }
}

/**
 * Contacts already read during one pull, by id, so a requester seen on an earlier page costs no request. Bounded: past
 * `limit` entries the oldest go (a pull of a huge portal keeps memory flat; a forgotten contact is read again).
 * Lives for one pull only, so a renamed contact shows its new name from the next poll on.
 */
export class ContactCache {
  readonly #entries = new Map<string, Person>();
  constructor(readonly limit = 20_000) {}

  get(id: string): Person | undefined {
    return this.#entries.get(id);
  }

  set(id: string, person: Person): void {
    this.#entries.set(id, person);
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Full lookups for a set of tickets: portal from metadata, shared stages and owners, requesters in batch. */
export async function lookupsFor(ctx: Ctx, shared: SharedLookups, tickets: HubSpotObject[], contacts?: ContactCache): Promise<HubSpotLookups> {
  const base = lookupsFromMetadata(ctx.metadata);
  const requesters = tickets.length ? await readRequesters(ctx, tickets.map((t) => t.id), contacts) : new Map<string, Person>();
  return { ...base, stages: shared.stages, owners: shared.owners, requesters };
}
