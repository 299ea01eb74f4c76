import type { ConnectorSimulator, OAuthServer } from '@ticketbridge/core/testing';

/** A conversation part as Retrieve a conversation prints it. */
export interface SimPart {
  type: 'conversation_part';
  id: string;
  part_type: string;
  body: string | null;
  created_at: number;
  updated_at: number;
  notified_at: number;
  assigned_to: { type: string; id: string } | null;
  author: { type: string; id: string; name: string | null; email: string | null };
  attachments: never[];
  external_id: string | null;
  redacted: boolean;
}

/** A ticket part as Retrieve a ticket prints it. */
export interface SimTicketPart {
  type: 'ticket_part';
  id: string;
  part_type: string;
  body?: string | null;
  ticket_state?: string;
  previous_ticket_state?: string;
  created_at: number;
  updated_at: number;
  author: { type: string; id: string; name: string | null; email: string | null };
  attachments: never[];
  redacted: boolean;
}

/** A conversation as the simulated workspace stores it (Intercom-OpenAPI 2.16 `conversation`), parts aside. */
export interface SimConversation {
  type: 'conversation';
  id: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  waiting_since: number | null;
  snoozed_until: number | null;
  source: {
    type: string;
    id: string;
    delivered_as: string;
    subject: string;
    body: string;
    author: { type: string; id: string; name: string | null; email: string | null };
    attachments: never[];
    url: string | null;
    redacted: boolean;
  };
  contacts: { type: 'contact.list'; contacts: Array<{ type: 'contact'; id: string; external_id: string | null }> };
  first_contact_reply: { created_at: number; type: string; url: string | null } | null;
  admin_assignee_id: number;
  team_assignee_id: number;
  open: boolean;
  state: 'open' | 'closed' | 'snoozed';
  read: boolean;
  tags: { type: 'tag.list'; tags: Array<{ type: 'tag'; id: string; name: string; applied_at: number; applied_by: { type: string; id: string } }> };
  priority: 'none' | 'low' | 'medium' | 'high' | 'urgent';
  sla_applied: null;
  statistics: { type: 'conversation_statistics'; count_conversation_parts: number } | null;
  conversation_rating: null;
  teammates: { type: 'admin.list'; admins: Array<{ type: 'admin'; id: string }> } | null;
  custom_attributes: Record<string, unknown>;
  topics: Record<string, unknown>;
  ticket: null;
  linked_objects: { type: 'list'; data: never[]; total_count: number; has_more: boolean };
  ai_agent: null;
  ai_agent_participated: boolean;
  /** Absent on conversations from older imports: the property is left out, not null. */
  company?: { type: 'company'; id: string; name: string } | null;
}

/** A ticket as the simulated workspace stores it (Intercom-OpenAPI 2.16 `ticket`), parts aside. */
export interface SimTicket {
  type: 'ticket';
  id: string;
  ticket_id: string;
  category: 'Customer' | 'Back-office' | 'Tracker';
  ticket_attributes: Record<string, unknown>;
  ticket_state: { type: 'ticket_state'; id: string; category: string; internal_label: string; external_label: string };
  ticket_type: { type: 'ticket_type'; id: string; name: string; description: string; icon: string; archived: boolean; category: string };
  contacts: { type: 'contact.list'; contacts: Array<{ type: 'contact'; id: string; external_id: string | null }> };
  admin_assignee_id: number;
  team_assignee_id: number;
  created_at: number;
  updated_at: number;
  open: boolean;
  snoozed_until: number | null;
  linked_objects: { type: 'list'; data: never[]; total_count: number; has_more: boolean };
  is_shared: boolean;
  previous_ticket_state_id: string | null;
}

/** Credentials the simulator accepts (the access-token method). */
export interface IntercomSimCredentials {
  accessToken: string;
  region: 'us' | 'eu' | 'au';
  clientSecret: string;
}

/** One request the simulated API answered (past the rate limiter and injected faults). */
export interface IntercomSimRequestRecord {
  method: string;
  path: string;
  /** The `Intercom-Version` header as received, or null. */
  version: string | null;
  body: unknown;
}

/** Options of {@link startIntercomSimulator}. */
export interface IntercomSimulatorOptions {
  seed?: number;
  /** The workspace's region, as `/me` prints it in `app.region` (default `US`). */
  region?: 'US' | 'EU' | 'AU';
  /** Time of the first generated item (default 2026-01-05T08:00:00Z). */
  start?: Date;
  /**
   * Whether the searches honour `sort` (default true). With false they answer newest first whatever the request
   * says, the order third parties report without `sort` (airbytehq/airbyte#12374).
   */
  honourSort?: boolean;
  /**
   * Whether the token's app has the "Read admins" permission (default true). Without it List all admins and List all
   * teams answer the 401 of their OpenAPI examples [U: the answer to a missing permission is not documented].
   */
  readAdmins?: boolean;
}

/** A running Intercom simulator. */
export interface IntercomSimulator extends ConnectorSimulator<IntercomSimCredentials> {
  /** Requests the API answered, in order. */
  requests(): IntercomSimRequestRecord[];
  /** The OAuth server behind `/oauth` and `/auth/eagle/token`, with the product's public app registered. */
  readonly oauth: OAuthServer;
  /** The public app for `createHub({ oauthClients: { intercom } })`. */
  readonly oauthApp: { clientId: string; clientSecret: string; redirectUri: string };
  /** Adds `count` parts (customer replies and admin notes) to a conversation, stamping it updated. */
  addParts(externalId: string, count: number, options?: { at?: string }): Promise<void>;
  /** Seeds conversations only, or tickets only; returns their external ids. */
  seedKind(kind: 'conversation' | 'ticket', count: number): Promise<string[]>;
  /** Stores many items sharing one `updated_at` second; returns their ids. */
  seedSameSecond(count: number, at: string): Promise<string[]>;
  /** Deletes an item as the platform does, without announcing it: a later read answers 404. */
  removeQuietly(externalIds: string[]): Promise<void>;
  /** Overwrites fields of a stored item, stamping it updated at `at` (default now). */
  patch(externalId: string, fields: Record<string, unknown>, options?: { at?: string }): Promise<void>;
  /** The stored conversation or ticket, as its Retrieve endpoint prints it. */
  item(externalId: string): Record<string, unknown>;
  /** Posts a notification body exactly as given (a redelivery, a hand-made payload), signed with the client secret unless `forge`. */
  post(url: string, body: Record<string, unknown>, options?: { forge?: boolean }): Promise<{ status: number; body: string }>;
  /** Sends a notification of any topic (ping included), signed with the client secret unless `forge`. */
  notify(url: string, notification: { topic: string; item: unknown; createdAt?: number }, options?: { forge?: boolean }): Promise<{ status: number; body: string }>;
}
