import type { ConnectorSimulator } from '@ticketbridge/core/testing';

/** A ticket as the simulated account stores it: the fields of Freshdesk's ticket object, plus the side-loads' sources. */
export interface SimFreshdeskTicket {
  id: number;
  subject: string;
  /** HTML, as Freshdesk stores it. */
  description: string;
  description_text: string;
  status: number;
  /** 1–4 on every real ticket; `null` only on the sparse edge case (see the README). */
  priority: number | null;
  source: number;
  type: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  requester_id: number;
  responder_id: number | null;
  group_id: number | null;
  company_id: number | null;
  product_id: number | null;
  email_config_id: number | null;
  cc_emails: string[];
  fwd_emails: string[];
  reply_cc_emails: string[];
  ticket_cc_emails: string[];
  to_emails: string[] | null;
  fr_escalated: boolean;
  is_escalated: boolean;
  spam: boolean;
  deleted: boolean;
  due_by: string;
  fr_due_by: string;
  created_at: string;
  updated_at: string;
}

/** A reply or note as List All Conversations returns it. */
export interface SimConversation {
  id: number;
  body: string;
  body_text: string;
  structured_body: { body_contents: Array<{ type: string; data: { content: string } }> };
  incoming: boolean;
  private: boolean;
  source: number;
  user_id: number;
  support_email: string | null;
  to_emails: string[];
  from_email: string | null;
  cc_emails: string[];
  bcc_emails: string[];
  ticket_id: number;
  attachments: never[];
  created_at: string;
  updated_at: string;
  last_edited_at: string | null;
  last_edited_user_id: number | null;
}

/** Credentials the simulator accepts. */
export type FreshdeskSimCredentials = {
  subdomain: string;
  apiKey: string;
};

/** One request the simulated API answered (past the rate limiter and injected faults). */
export interface FreshdeskSimRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** Where the simulated automation rule sends the secret: as the admin configured the Trigger webhook action. */
export type SimSecretLocation = { header: string } | { query: string };

/** Options of {@link startFreshdeskSimulator}. */
export interface FreshdeskSimulatorOptions {
  seed?: number;
  subdomain?: string;
  /** Where the rule sends the secret (default the custom header `X-Ticketbridge-Secret`, as the README's setup). */
  webhookSecret?: SimSecretLocation;
  /** The rule's body (default the README's template). Placeholders: `{{ticket.id}}`, `{{ticket.status}}`, `{{ticket.priority}}`, `{{ticket.subject}}`. */
  webhookTemplate?: string;
  /** Time of the first generated ticket (default 2026-01-05T08:00:00Z). */
  start?: Date;
}

/** A running Freshdesk simulator. */
export interface FreshdeskSimulator extends ConnectorSimulator<FreshdeskSimCredentials> {
  /** Requests the API answered, in order. */
  requests(): FreshdeskSimRequestRecord[];
  /** API credits spent since start or `resetStats`: 1 per call plus 2 per `include` (support.freshdesk.com 225439). */
  credits(): number;
  /** Adds a reply (agent or customer) or a note to a ticket, stamping the ticket updated. */
  addConversation(externalId: string, c: { body: string; private?: boolean; incoming?: boolean; html?: string }): Promise<void>;
  /** Marks tickets as spam as the agent UI does; returns the ids. */
  markSpam(externalIds: string[]): Promise<string[]>;
  /** Overwrites fields of a stored ticket as the platform would store them, stamping it updated at `at` (default now). */
  patchTicket(externalId: string, fields: Partial<SimFreshdeskTicket>, options?: { at?: string }): Promise<void>;
  /** Stores many tickets sharing one `updated_at` second (bulk updates, imports); returns their ids. */
  seedSameSecond(count: number, at: string): Promise<string[]>;
  /** The stored ticket, as View a Ticket would print it. */
  ticket(externalId: string): SimFreshdeskTicket;
}
