import { ResponseShapeError, type JsonObject, type Person, type TicketDraft, type TicketPriority, type TicketStatus } from '@ticketbridge/core';
import { htmlToText, looksLikeHtml } from '@ticketbridge/core/toolkit';
import { HubSpotObject, type PipelinesResponse } from './api.js';

/** One pipeline stage, as read from `GET /crm/v3/pipelines/tickets`. */
export interface HubSpotStage {
  id: string;
  label: string;
  pipelineId: string;
  pipelineLabel: string;
  /** `OPEN` or `CLOSED` (the stage's `metadata.ticketState`). */
  ticketState: string | null;
}

/**
 * What normalizing a ticket needs besides the ticket: the portal (for links), stage names and states, and the people
 * behind owner ids and associated contacts. Read in batches once per page or sync, never per ticket.
 */
export interface HubSpotLookups {
  portalId: number | null;
  /** HubSpot's UI host for the portal's data centre (`app.hubspot.com`, `app-eu1.hubspot.com`). */
  uiDomain: string;
  /** Stages by `pipelineId:stageId`, and by bare stage id as a fallback. */
  stages: Map<string, HubSpotStage>;
  /** Owners by owner id. */
  owners: Map<string, Person>;
  /** The requester (first associated contact) by ticket id. */
  requesters: Map<string, Person>;
}

/** The default UI host; EU portals use `app-eu1.hubspot.com`, which account details report as `uiDomain`. */
export const DEFAULT_UI_DOMAIN = 'app.hubspot.com';

/** Builds the stage map from a pipelines response. */
export function stagesFromPipelines(pipelines: PipelinesResponse): Map<string, HubSpotStage> {
  const stages = new Map<string, HubSpotStage>();
  for (const pipeline of pipelines.results) {
    for (const stage of pipeline.stages) {
      const entry: HubSpotStage = {
        id: stage.id,
        label: stage.label,
        pipelineId: pipeline.id,
        pipelineLabel: pipeline.label,
        ticketState: stage.metadata?.ticketState ?? null,
      };
      stages.set(`${pipeline.id}:${stage.id}`, entry);
      if (!stages.has(stage.id)) stages.set(stage.id, entry);
    }
  }
  return stages;
}

/** Stages as stored in connection metadata (JSON), so `normalize` works outside a sync too. */
export function stagesToJson(stages: Map<string, HubSpotStage>): JsonObject[] {
  return [...stages.entries()].filter(([key]) => key.includes(':')).map(([, s]) => ({ ...s }));
}

/** Lookups from connection metadata: portal, UI domain and the stages seen at Test & Connect. */
export function lookupsFromMetadata(metadata: JsonObject): HubSpotLookups {
  const stages = new Map<string, HubSpotStage>();
  const list = Array.isArray(metadata['stages']) ? metadata['stages'] : [];
  for (const item of list) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const s = item as Record<string, unknown>;
    if (typeof s['id'] !== 'string' || typeof s['pipelineId'] !== 'string') continue;
    const entry: HubSpotStage = {
      id: s['id'],
      label: typeof s['label'] === 'string' ? s['label'] : s['id'],
      pipelineId: s['pipelineId'],
      pipelineLabel: typeof s['pipelineLabel'] === 'string' ? s['pipelineLabel'] : s['pipelineId'],
      ticketState: typeof s['ticketState'] === 'string' ? s['ticketState'] : null,
    };
    stages.set(`${entry.pipelineId}:${entry.id}`, entry);
    if (!stages.has(entry.id)) stages.set(entry.id, entry);
  }
  return {
    portalId: typeof metadata['portalId'] === 'number' ? metadata['portalId'] : null,
    uiDomain: safeUiDomain(metadata['uiDomain']),
    stages,
    owners: new Map(),
    requesters: new Map(),
  };
}

/** Only HubSpot's own UI hosts make it into links; anything else falls back to the default. */
export function safeUiDomain(value: unknown): string {
  return typeof value === 'string' && /^app(?:-[a-z0-9]+)?\.hubspot\.com$/.test(value) ? value : DEFAULT_UI_DOMAIN;
}

/**
 * Maps a pipeline stage to the normalized status. Closed stages (`ticketState: CLOSED`) become `solved` when their
 * label says resolved/solved and `closed` otherwise; open stages map by label ("New", "Waiting on contact", "Waiting
 * on us" in the default pipeline), and an unknown stage falls back to the default pipeline's ids (1 New, 2 Waiting on
 * contact, 3 Waiting on us, 4 Closed), then to `open`.
 */
export function mapHubSpotStatus(stage: HubSpotStage | undefined, rawStageId: string | null): TicketStatus {
  if (stage) {
    if (stage.ticketState === 'CLOSED') return /resolv|solved/i.test(stage.label) ? 'solved' : 'closed';
    const label = stage.label.trim().toLowerCase();
    switch (label) {
      case 'new':
        return 'new';
      case 'waiting on contact':
      case 'waiting on customer':
      case 'pending':
        return 'pending';
      case 'on hold':
        return 'on_hold';
      case 'waiting on us':
      case 'in progress':
      case 'open':
        return 'open';
      default:
        return /waiting on (contact|customer)/.test(label) ? 'pending' : 'open';
    }
  }
  switch (rawStageId) {
    case '1':
      return 'new';
    case '2':
      return 'pending';
    case '3':
      return 'open';
    case '4':
      return 'closed';
    default:
      return 'open';
  }
}

/** Maps `hs_ticket_priority` (`LOW`, `MEDIUM`, `HIGH`, `URGENT`) to the normalized priority; unset or unknown is `null`. */
export function mapHubSpotPriority(raw: string | null | undefined): TicketPriority | null {
  switch ((raw ?? '').toUpperCase()) {
    case 'LOW':
      return 'low';
    case 'MEDIUM':
      return 'normal';
    case 'HIGH':
      return 'high';
    case 'URGENT':
      return 'urgent';
    default:
      return null;
  }
}

/** Maps `source_type` (`EMAIL`, `CHAT`, `PHONE`, `FORM`, ...) to a channel name; unknown values pass through lower-cased. */
export function mapHubSpotChannel(raw: string | null | undefined): string | null {
  if (!raw) return null;
  switch (raw.toUpperCase()) {
    case 'EMAIL':
      return 'email';
    case 'CHAT':
      return 'chat';
    case 'PHONE':
      return 'phone';
    case 'FORM':
      return 'web';
    default:
      return raw.toLowerCase();
  }
}

/**
 * The status from what the payload states: the stage when there is one; a ticket without a stage is `closed` when it
 * has a `closed_date` (HubSpot's "date the ticket was closed"), and otherwise gets the mapping's documented fallback.
 */
function statusOf(stage: HubSpotStage | undefined, stageId: string | null, closedDate: string | null | undefined): TicketStatus {
  if (stageId === null && closedDate) return 'closed';
  return mapHubSpotStatus(stage, stageId);
}

/** Properties that become first-class fields; every other property lands in `customFields`. */
const MAPPED = new Set(['subject', 'content', 'hs_pipeline_stage', 'hs_ticket_priority', 'source_type', 'hubspot_owner_id', 'createdate', 'hs_lastmodifieddate', 'hs_object_id']);

/** HubSpot sends ISO strings in v3 and epoch milliseconds in older surfaces; both become ISO-8601 UTC. */
export function toIso(value: string | null | undefined, fallback: string): string {
  const source = value && value.length > 0 ? value : fallback;
  const ms = /^\d+$/.test(source) ? Number(source) : Date.parse(source);
  if (!Number.isFinite(ms)) throw new ResponseShapeError(`unreadable timestamp "${source}"`, { platform: 'hubspot' });
  return new Date(ms).toISOString();
}

/** Epoch milliseconds of a ticket's `hs_lastmodifieddate` (what search filters and sorts on). */
export function modifiedMs(ticket: HubSpotObject): number {
  return Date.parse(toIso(ticket.properties['hs_lastmodifieddate'], ticket.updatedAt));
}

/**
 * A HubSpot ticket (`SimplePublicObject`) to the normalized model. Pure: stage names, people and the portal come
 * from `lookups`, which the connector fills with batched reads. `raw` keeps the ticket untouched.
 */
export function normalizeHubSpotTicket(raw: unknown, lookups: HubSpotLookups, options: { deleted?: boolean } = {}): TicketDraft {
  const parsed = HubSpotObject.safeParse(raw);
  if (!parsed.success) {
    throw new ResponseShapeError('a ticket does not have the shape of a HubSpot CRM object', {
      platform: 'hubspot',
      issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  const ticket = parsed.data;
  const p = ticket.properties;
  const id = ticket.id;
  const pipelineId = p['hs_pipeline'] ?? null;
  // An empty stage is no stage: HubSpot returns `""` for a cleared property as readily as `null`.
  const stageId = p['hs_pipeline_stage'] || null;
  const stage = stageId ? (lookups.stages.get(`${pipelineId ?? ''}:${stageId}`) ?? lookups.stages.get(stageId)) : undefined;
  const ownerId = p['hubspot_owner_id'] || null;
  const category = p['hs_ticket_category'] ?? '';
  const customFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) if (!MAPPED.has(key)) customFields[key] = value;
  if (stage) customFields['hs_pipeline_stage_label'] = stage.label;
  const deleted = options.deleted ?? ticket.archived === true;
  const updatedAt = deleted && ticket.archivedAt ? toIso(ticket.archivedAt, ticket.updatedAt) : toIso(p['hs_lastmodifieddate'], ticket.updatedAt);
  return {
    externalId: id,
    platform: 'hubspot',
    url: lookups.portalId === null ? null : `https://${lookups.uiDomain}/contacts/${lookups.portalId}/ticket/${id}`,
    subject: p['subject'] ?? '',
    description: descriptionOf(p['content']),
    status: statusOf(stage, stageId, p['closed_date']),
    rawStatus: stageId,
    priority: mapHubSpotPriority(p['hs_ticket_priority']),
    rawPriority: p['hs_ticket_priority'] || null,
    channel: mapHubSpotChannel(p['source_type']),
    requester: lookups.requesters.get(id) ?? null,
    assignee: ownerId ? (lookups.owners.get(ownerId) ?? { externalId: ownerId, name: null, email: null }) : null,
    organization: null,
    tags: category
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean),
    customFields,
    createdAt: toIso(p['createdate'], ticket.createdAt),
    updatedAt,
    deleted,
    raw,
  };
}

// `content` is a plain-text property in the API reference, but tickets made from emails and rich-text forms carry the
// markup they came with. Stripping tags from plain text would drop a typed `<not a tag>`, so only markup is converted.
function descriptionOf(content: string | null | undefined): string {
  if (!content) return '';
  return looksLikeHtml(content) ? htmlToText(content) : content;
}
