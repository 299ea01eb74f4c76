import { z } from 'zod';

/** ISO-8601 UTC timestamp string, e.g. `2026-11-25T07:15:34.000Z`. */
export const IsoTimestamp = z.iso.datetime({ offset: false });

/**
 * Normalized ticket status. Every platform's states map onto these six; the platform's own value stays in
 * `rawStatus`.
 */
export const TicketStatus = z.enum(['new', 'open', 'pending', 'on_hold', 'solved', 'closed']);
/** Normalized ticket status. */
export type TicketStatus = z.infer<typeof TicketStatus>;

/** Normalized priority; `null` where the platform has none or the ticket has none set. */
export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
/** Normalized priority. */
export type TicketPriority = z.infer<typeof TicketPriority>;

/** Where an event came from. */
export const TicketSource = z.enum(['poll', 'webhook', 'csv']);
/** Where an event came from. */
export type TicketSource = z.infer<typeof TicketSource>;

/** A requester, assignee or comment author. */
export const Person = z.object({
  /** The platform's id for this person. */
  externalId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
});
/** A requester, assignee or comment author. */
export type Person = z.infer<typeof Person>;

/** The organization (company, account) a ticket belongs to. */
export const Organization = z.object({ externalId: z.string(), name: z.string().nullable() });
/** The organization a ticket belongs to. */
export type Organization = z.infer<typeof Organization>;

/** One message on a ticket. */
export const Comment = z.object({
  externalId: z.string(),
  author: Person.nullable(),
  /** Plain text body (HTML stripped). */
  body: z.string(),
  /** HTML body where the platform has one. */
  htmlBody: z.string().nullable().optional(),
  /** False for internal notes that the customer never sees. */
  public: z.boolean(),
  createdAt: IsoTimestamp,
});
/** One message on a ticket. */
export type Comment = z.infer<typeof Comment>;

/**
 * What a connector produces from one platform object: the normalized ticket without the ids that only the core
 * knows (`connectionId`).
 */
export const TicketDraft = z.object({
  /** The platform's id of the ticket (string even where the platform uses numbers). */
  externalId: z.string().min(1),
  /** The connector id (`zendesk`, `hubspot`, ...). */
  platform: z.string(),
  /** A link for a human (the agent UI), not the API URL. */
  url: z.string().nullable(),
  subject: z.string(),
  /** Plain-text description (first message), HTML stripped. */
  description: z.string(),
  status: TicketStatus,
  /** The platform's own status value, e.g. `hold` or a pipeline stage id. */
  rawStatus: z.string().nullable(),
  priority: TicketPriority.nullable(),
  rawPriority: z.string().nullable(),
  /** How the ticket arrived at the platform: email, web, chat, api... */
  channel: z.string().nullable(),
  requester: Person.nullable(),
  assignee: Person.nullable(),
  organization: Organization.nullable(),
  tags: z.array(z.string()),
  customFields: z.record(z.string(), z.unknown()),
  createdAt: IsoTimestamp,
  /** The platform's last-modified time; with `externalId` it identifies a version for dedupe. */
  updatedAt: IsoTimestamp,
  comments: z.array(Comment).optional(),
  /** True once the platform reports the ticket deleted; such a version is delivered as `ticket.deleted`. */
  deleted: z.boolean(),
  /** The platform's object, untouched. */
  raw: z.unknown(),
});
/** A normalized ticket before the core stamps the connection id on it. */
export type TicketDraft = z.infer<typeof TicketDraft>;

/** The normalized ticket every connector produces. */
export const Ticket = TicketDraft.extend({
  /**
   * The id of the connection that produced this ticket (`hub.connect()` returned it; the webhook URL carries it as
   * `connectorId`). The connector, the platform, is `platform`.
   */
  connectionId: z.string(),
});
/** The normalized ticket every connector produces. */
export type Ticket = z.infer<typeof Ticket>;

/** The kinds of ticket event. */
export const TicketEventType = z.enum(['ticket.created', 'ticket.updated', 'ticket.deleted']);
/** The kinds of ticket event. */
export type TicketEventType = z.infer<typeof TicketEventType>;

const change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value });

/** What changed since the previous version delivered to the host, for the fields hosts alert on. */
export const TicketChanges = z.object({
  status: change(TicketStatus).optional(),
  priority: change(TicketPriority.nullable()).optional(),
  /** Assignee external ids (null = unassigned). */
  assignee: change(z.string().nullable()).optional(),
  tags: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }).optional(),
});
/** What changed since the previous delivered version. */
export type TicketChanges = z.infer<typeof TicketChanges>;

/** One delivery to the host: a new version of a ticket. */
export const TicketEvent = z.object({
  type: TicketEventType,
  ticket: Ticket,
  source: TicketSource,
  /** The id of the connection the version came through (the same as `ticket.connectionId`). */
  connectionId: z.string(),
  /** When Ticketbridge received this version (poll page or webhook). */
  receivedAt: IsoTimestamp,
  /**
   * Stable across redeliveries of the same version (`connection:externalId:version`). A crash inside the
   * documented window can deliver a version twice; a host that needs exactly-once drops repeated keys.
   */
  idempotencyKey: z.string(),
  /** For `ticket.updated`, what changed since the previous version this host received. */
  changes: TicketChanges.optional(),
});
/** One delivery to the host. */
export type TicketEvent = z.infer<typeof TicketEvent>;
