import { z } from 'zod';

// Acme Desk is the fictional reference platform of the testing kit. Its "documentation" is this file and the
// simulator; every schema below lists only the fields the reference connector reads, as real connectors do.

/** Raw ticket statuses of Acme Desk (deliberately not the normalized names, so mapping is exercised). */
export const ACME_STATUSES = ['new', 'open', 'waiting', 'on_hold', 'resolved', 'closed'] as const;
/** Raw priorities of Acme Desk; `null` when unset. */
export const ACME_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

/** A person as Acme Desk prints it. */
export const AcmePerson = z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() });

/**
 * A ticket as `GET /api/tickets` and `GET /api/tickets/:id` return it. Timestamps are ISO-8601 UTC at second
 * granularity (`2026-01-05T08:00:00Z`). Deleted tickets stay in the incremental feed with `deleted: true`.
 * Doc: the Acme simulator (`acme-simulator.ts`), section "Tickets".
 */
export const AcmeTicket = z.object({
  id: z.string(),
  subject: z.string(),
  description: z.string(),
  status: z.string(),
  priority: z.string().nullable(),
  channel: z.string().nullable(),
  requester: AcmePerson.nullable(),
  assignee: AcmePerson.nullable(),
  organization: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  tags: z.array(z.string()),
  custom_fields: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  deleted: z.boolean(),
  html_url: z.string(),
});
/** A ticket as Acme Desk prints it. */
export type AcmeTicket = z.infer<typeof AcmeTicket>;

/** `GET /api/tickets` response: one page of the incremental feed, oldest change first. */
// Read with keepBody: the tickets are checked here, in place, and stay as sent (each becomes a draft's raw).
export const AcmeTicketPage = z.object({
  tickets: z.array(AcmeTicket),
  /** Opaque; pass back as `cursor` with the same `updated_since`. `null` on the last page. */
  next_cursor: z.string().nullable(),
});

/** `GET /api/tickets/:id` response. */
export const AcmeTicketEnvelope = z.object({ ticket: z.unknown() });

/** `GET /api/me` response: the token's user and account. */
export const AcmeMe = z.object({
  user: z.object({ id: z.string(), name: z.string(), role: z.string() }),
  account: z.object({ id: z.string(), subdomain: z.string(), name: z.string() }),
});

/** Error body of every Acme Desk error response. */
export const AcmeError = z.object({ error: z.string(), message: z.string() });

/**
 * Webhook payload: THIN, it names the ticket only, so receivers must fetch the ticket (hydration).
 * Headers: `X-Acme-Timestamp` (UNIX seconds) and `X-Acme-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 */
export const AcmeWebhookPayload = z.object({
  event: z.string(),
  ticket_id: z.union([z.string(), z.number()]).transform(String),
  occurred_at: z.string().optional(),
});

/** Signature header of Acme Desk webhooks. */
export const ACME_SIGNATURE_HEADER = 'x-acme-signature';
/** Timestamp header of Acme Desk webhooks (UNIX seconds). */
export const ACME_TIMESTAMP_HEADER = 'x-acme-timestamp';
