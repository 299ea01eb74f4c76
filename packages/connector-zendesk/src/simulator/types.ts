import type { ConnectorSimulator, SimulatorWebhooks } from '@ticketbridge/core/testing';

/**
 * The credentials the simulator accepts, declared here rather than imported: the simulator is written from
 * Zendesk's documentation, independently of the connector it tests.
 */
// A type alias, not an interface, so it stays assignable to the Record the hub's connect() takes.
export type ZendeskSimCredentials = {
  subdomain: string;
  email: string;
  apiToken: string;
};

/** Options of {@link startZendeskSimulator}. */
export interface ZendeskSimulatorOptions {
  /** Seed of the deterministic data generator: the same seed gives the same account, variety included. */
  seed?: number;
  /** The account subdomain the simulator plays (only used in URLs it returns). Default `acmecorp`. */
  subdomain?: string;
  /** Account-wide requests per minute (Enterprise: 700). `rateLimit.set()` overrides it. */
  accountLimitPerMinute?: number;
  /** Requests per minute on the incremental exports (Zendesk: 10; 30 with High Volume API). */
  exportLimitPerMinute?: number;
  /**
   * Length of the export limit's window in ms (Zendesk: one minute). Tests shorten it to see the connector pause
   * on the `Zendesk-RateLimit-incremental-exports` header without waiting a minute.
   */
  exportWindowMs?: number;
  /** Tickets per page of the cursor export. Zendesk returns up to 1000; lower it to test paging with few tickets. */
  exportPageSize?: number;
  /**
   * What `users/me` answers for an e-mail that belongs to no user: 401 (default), or 200 with the anonymous user
   * (what Zendesk does for failed password auth). Zendesk's behaviour for API tokens here is not documented.
   */
  unknownEmail?: 'unauthorized' | 'anonymous';
  /**
   * Where the simulator's clock starts (ISO). Default: the real time. The clock then runs with real time, and
   * `update()` / `clock.advance()` move it further ahead.
   */
  clockStart?: string;
}

/**
 * A ticket as the simulator stores it: a Zendesk ticket object plus the export's `generated_timestamp`. Optional
 * members are left out of some generated tickets (absent rather than null), and `tags` is null on some, as real
 * payloads vary; the README's fixture section names the source of each shape.
 */
export interface SimZendeskTicket {
  id: number;
  url: string;
  external_id?: string | null;
  type?: string | null;
  subject: string;
  raw_subject: string;
  description: string;
  priority?: string | null;
  status: string;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id?: number | null;
  organization_id?: number | null;
  group_id?: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  has_incidents: boolean;
  is_public: boolean;
  due_at?: string | null;
  tags: string[] | null;
  custom_fields: Array<{ id: number; value: unknown }>;
  satisfaction_rating: null;
  via: { channel: string; source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null } };
  brand_id: number;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
  /** Fields nobody asked for: Zendesk adds properties over time, and a client must carry them through. */
  [extra: string]: unknown;
}

/** A webhook as the simulator stores it: the Webhooks API's `webhook` object, with its signing secret. */
export interface SimWebhook {
  id: string;
  name: string;
  description?: string;
  endpoint: string;
  http_method: string;
  request_format: string;
  status: string;
  subscriptions: string[];
  created_at: string;
  created_by: string;
  secret: string;
}

/** A trigger as the simulator stores it: the Triggers API's `trigger` object, trimmed to what the connector sets. */
export interface SimTrigger {
  id: number;
  title: string;
  active: boolean;
  conditions: unknown;
  actions: Array<{ field: string; value: unknown }>;
  created_at: string;
}

/** A request the simulator received, for tests that check how the connector called the API. */
export interface ZendeskSimRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** The Zendesk simulator: the kit's `ConnectorSimulator` plus Zendesk-specific controls. */
export interface ZendeskSimulator extends ConnectorSimulator<ZendeskSimCredentials> {
  /**
   * Changes these tickets at the simulator's current time, then moves the clock on by `advanceMs` (default 61 s)
   * so the cursor export, which leaves out the last minute, includes the change on the next request. Pass
   * `advanceMs: 0` to keep the change inside the excluded minute.
   */
  /** `at` sets `updated_at` (the export still lists the change at the end: it is ordered by when it was written). */
  update(externalIds: string[], options?: { advanceMs?: number; at?: string }): Promise<string[]>;
  /** Soft-deletes tickets: they stay in the export with `status: "deleted"` and 404 on Show Ticket. */
  deleteTickets(externalIds: string[], options?: { advanceMs?: number }): Promise<string[]>;
  /**
   * Adds a comment (public reply or internal note) to a ticket; updates it like `update`. `plainBody` overrides the
   * generated `plain_body` (pass `""` for a comment created through the API with `body` only).
   */
  addComment(externalId: string, comment: { body: string; html?: string; plainBody?: string; public: boolean; authorId?: number }, options?: { advanceMs?: number }): Promise<void>;
  /** Replaces fields of a stored ticket as-is (unicode, HTML, huge custom fields); updates it like `update`. */
  patchTicket(externalId: string, fields: Partial<SimZendeskTicket>, options?: { advanceMs?: number }): Promise<void>;
  /** The simulator's clock: the export's one-minute exclusion is measured against it. */
  readonly clock: { now(): Date; advance(ms: number): void };
  /** Users by role, to build credentials of a non-admin in tests. */
  user(role: 'admin' | 'agent' | 'end-user'): { id: number; email: string; name: string };
  /** Every request received, in order. */
  requests(): ZendeskSimRequestRecord[];
  /** Webhooks and triggers that exist on the simulated account. */
  registered(): { webhooks: Array<Omit<SimWebhook, 'secret'>>; triggers: SimTrigger[] };
  readonly webhooks: SimulatorWebhooks;
}
