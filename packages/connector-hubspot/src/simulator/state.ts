import { randomUUID } from 'node:crypto';
import type { SimResponse } from '@ticketbridge/core/testing';

/**
 * How a ticket's datetime properties are written. HubSpot's API reference examples use milliseconds with `Z`
 * (`2019-10-30T03:30:17.883Z`, tickets and search references); microseconds with a `+00:00` offset are not in HubSpot's
 * examples and are generated so that no parser depends on one spelling of UTC (see the README's fixture section).
 */
export type StampStyle = 'ms-z' | 'us-offset' | 'us-z';

/** One ticket as the simulator stores it. Unset properties are absent from `props`. */
export interface SimTicket {
  id: string;
  props: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  /** `closed_date` (epoch ms), set while the ticket is in a closed stage or, for stageless tickets, when closed. */
  closedAt: number | null;
  archivedAt: number | null;
  contactId: string | null;
  style: StampStyle;
  /** Sub-millisecond digits (0–999) written in microsecond styles; the API itself filters on milliseconds. */
  micros: number;
}

/** A contact, the requester of tickets associated with it. */
export interface SimContact {
  id: string;
  email: string;
  firstname: string;
  lastname: string;
}

/** Pipelines in the shape of `GET /crm/v3/pipelines/tickets` ("Support Pipeline" is HubSpot's default, id `0`). */
export const PIPELINES = [
  {
    id: '0',
    label: 'Support Pipeline',
    stages: [
      { id: '1', label: 'New', ticketState: 'OPEN' },
      { id: '2', label: 'Waiting on contact', ticketState: 'OPEN' },
      { id: '3', label: 'Waiting on us', ticketState: 'OPEN' },
      { id: '4', label: 'Closed', ticketState: 'CLOSED' },
    ],
  },
  {
    id: '812723471',
    label: 'Escalations',
    stages: [
      { id: '1234912', label: 'In Progress', ticketState: 'OPEN' },
      { id: '1234913', label: 'On hold', ticketState: 'OPEN' },
      { id: '1234914', label: 'Resolved', ticketState: 'CLOSED' },
    ],
  },
];

/** Owners in the shape of `GET /crm/v3/owners`. */
export const OWNERS = [
  { id: '41629779', email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima' },
  { id: '41629780', email: 'bo@example.com', firstName: 'Bo', lastName: 'Ström' },
  { id: '41629781', email: 'chidi@example.com', firstName: 'Chidi', lastName: 'Okafor' },
];

/**
 * Ticket properties this simulated portal defines. The list overlaps the connector's `TICKET_PROPERTIES` on purpose:
 * the simulator declares HubSpot's property names itself rather than importing what the connector asks for. A requested name outside this set is left out of the answer: the
 * tickets guide says "If a requested property isn't defined, it won't be included in the response. If a requested
 * property is defined but a ticket doesn't have a value, it will be returned as null."
 * https://developers.hubspot.com/docs/guides/api/crm/objects/tickets
 */
export const DEFINED_PROPERTIES = new Set([
  'subject',
  'content',
  'hs_pipeline',
  'hs_pipeline_stage',
  'hs_ticket_priority',
  'hs_ticket_category',
  'source_type',
  'hubspot_owner_id',
  'createdate',
  'hs_lastmodifieddate',
  'hs_object_id',
  'closed_date',
  'hs_object_source',
  'hs_object_source_id',
  'hs_object_source_label',
]);

/** Returned on every object whatever was requested (the objects guides' "default properties"). */
const ALWAYS_RETURNED = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];
/**
 * What a read returns when no `properties` are named. The search guide lists default properties per object; the
 * ticket list was not confirmed in a stored copy, so this is the set the connector never relies on.
 */
const DEFAULT_PROPERTIES = ['content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_category', 'hs_ticket_priority', 'subject'];

const SUBJECTS = ['Troubleshoot report', 'Cannot log in', 'Invoice is wrong', 'Réinitialiser le mot de passe', '配送が遅れています', 'Export fails 🚨'];
/** Priority options of the default `hs_ticket_priority` property; `''` is a cleared value. */
export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT', ''];
const SOURCES = ['EMAIL', 'CHAT', 'PHONE', 'FORM'];
const CATEGORIES = ['', 'PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST;PRODUCT_ISSUE'];
/** `hs_object_source` values HubSpot documents for record sources; returned unrequested on some tickets. */
const OBJECT_SOURCES = [
  { source: 'CRM_UI', label: 'CRM UI' },
  { source: 'EMAIL', label: 'Email' },
  { source: 'INTEGRATION', label: 'Integration' },
];

/** HubSpot's error body (`{status, message, correlationId, category}`). */
export function hsError(status: number, category: string, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

/** An ISO-8601 UTC string with milliseconds, the form of HubSpot's reference examples. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A datetime property in the ticket's style. */
export function stamp(ms: number, style: StampStyle, micros: number): string {
  if (style === 'ms-z') return iso(ms);
  const fraction = `${iso(ms).slice(0, 23)}${String(micros).padStart(3, '0')}`;
  return style === 'us-offset' ? `${fraction}+00:00` : `${fraction}Z`;
}

/** The ticket as a `SimplePublicObject`, with only the properties HubSpot would return for `requested`. */
export function renderTicket(t: SimTicket, requested: readonly string[] | null): Record<string, unknown> {
  const values: Record<string, string> = {
    ...t.props,
    createdate: stamp(t.createdAt, t.style, t.micros),
    hs_lastmodifieddate: stamp(t.modifiedAt, t.style, t.micros),
    hs_object_id: t.id,
    ...(t.closedAt === null ? {} : { closed_date: stamp(t.closedAt, t.style, t.micros) }),
  };
  const names = new Set([...ALWAYS_RETURNED, ...(requested ?? DEFAULT_PROPERTIES)]);
  // Some records carry their source properties whatever was asked for, so a reader must ignore what it did not ask for.
  if (t.props['hs_object_source'] !== undefined) for (const n of ['hs_object_source', 'hs_object_source_id', 'hs_object_source_label']) names.add(n);
  const properties: Record<string, string | null> = {};
  for (const n of names) if (DEFINED_PROPERTIES.has(n)) properties[n] = values[n] ?? null;
  return {
    id: t.id,
    properties,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.modifiedAt),
    archived: t.archivedAt !== null,
    ...(t.archivedAt !== null ? { archivedAt: iso(t.archivedAt) } : {}),
  };
}

/** The ticket store and its deterministic generator. */
export class SimState {
  readonly tickets = new Map<string, SimTicket>();
  readonly contacts = new Map<string, SimContact>();
  #nextTicketId = 1001;
  readonly #firstContactId = 501;
  #nextContactId = this.#firstContactId;
  #lastStamp = 0;
  constructor(readonly rand: () => number) {}

  /** A strictly increasing "now": two writes never share a millisecond unless a test asks for it. */
  now(): number {
    return (this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1));
  }

  #pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  /** Creates one ticket modified at `modifiedAt`; every draw comes from the seeded generator. */
  create(modifiedAt: number): SimTicket {
    const rand = this.rand;
    const id = String(this.#nextTicketId++);
    const pipeline = rand() < 0.75 ? PIPELINES[0]! : PIPELINES[1]!;
    const stage = this.#pick(pipeline.stages);
    const owner = rand() < 0.8 ? this.#pick(OWNERS).id : '';
    const subject = `${this.#pick(SUBJECTS)} #${id}`;
    const body = rand();
    let contactId: string | null = null;
    if (rand() < 0.85) {
      // Customers write in more than once: about a third of the tickets with a contact come from one seen before.
      const repeat = this.contacts.size > 0 && rand() < 0.35;
      if (repeat) {
        contactId = String(this.#firstContactId + Math.floor(rand() * this.contacts.size));
      } else {
        contactId = String(this.#nextContactId++);
        this.contacts.set(contactId, { id: contactId, email: `customer${contactId}@example.org`, firstname: rand() < 0.5 ? 'Zoë' : 'Sam', lastname: `Nguyễn ${contactId}` });
      }
    }
    const shape = rand();
    const styleDraw = rand();
    const style: StampStyle = styleDraw < 0.6 ? 'ms-z' : styleDraw < 0.85 ? 'us-offset' : 'us-z';
    const micros = Math.floor(rand() * 1000);
    const sourceDraw = rand();
    const props: Record<string, string> = {
      subject,
      // Present but empty ("") for some tickets: a description cleared in the UI is an empty string, not null.
      content: body < 0.1 ? '' : body < 0.4 ? `<p>Hello,</p><p>The <b>export</b> fails &amp; shows "error ${id}".</p>` : `The export fails with error ${id}. Ünïcödé ✓`,
      hs_pipeline: pipeline.id,
      hs_pipeline_stage: stage.id,
      hs_ticket_priority: this.#pick(PRIORITIES),
      hs_ticket_category: this.#pick(CATEGORIES),
      source_type: this.#pick(SOURCES),
      hubspot_owner_id: owner,
    };
    if (sourceDraw < 0.3) {
      const s = this.#pick(OBJECT_SOURCES);
      Object.assign(props, { hs_object_source: s.source, hs_object_source_id: `${s.source.toLowerCase()}-${id}`, hs_object_source_label: s.label });
    }
    // Some tickets never had a priority: the property is unset and renders as null.
    if (shape < 0.05) delete props['hs_ticket_priority'];
    const t: SimTicket = { id, props, createdAt: modifiedAt - 3_600_000, modifiedAt, closedAt: stage.ticketState === 'CLOSED' ? modifiedAt : null, archivedAt: null, contactId, style, micros };
    // A few closed tickets carry no stage at all, only `closed_date` (imported or migrated records).
    if (shape >= 0.05 && shape < 0.1) {
      delete t.props['hs_pipeline_stage'];
      t.closedAt = modifiedAt - 60_000;
    }
    return t;
  }

  /** Moves a ticket on: next stage (closing or reopening it), next priority, a new modification time (`at`, or now). */
  touch(t: SimTicket, at?: number): void {
    const stageId = t.props['hs_pipeline_stage'];
    if (stageId !== undefined) {
      const pipeline = PIPELINES.find((p) => p.id === t.props['hs_pipeline']) ?? PIPELINES[0]!;
      const next = pipeline.stages[(pipeline.stages.findIndex((s) => s.id === stageId) + 1) % pipeline.stages.length]!;
      t.props['hs_pipeline_stage'] = next.id;
      t.modifiedAt = at ?? this.now();
      t.closedAt = next.ticketState === 'CLOSED' ? t.modifiedAt : null;
    } else {
      t.modifiedAt = at ?? this.now();
    }
    t.props['hs_ticket_priority'] = PRIORITIES[(PRIORITIES.indexOf(t.props['hs_ticket_priority'] ?? '') + 1) % PRIORITIES.length]!;
  }
}
