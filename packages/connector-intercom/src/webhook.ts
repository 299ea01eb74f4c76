import { TicketbridgeError, type ConnectorWebhook, type WebhookInstructions, type WebhookItem, type WebhookRequest } from '@ticketbridge/core';
import { hmacSignature, readWebhookJson } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import type { IntercomCredentials } from './credentials.js';
import { CONVERSATION_PREFIX, TICKET_PREFIX } from './normalize.js';

/**
 * Intercom's webhook signature: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>`, keyed with the app's client
 * secret ("Signed notifications": "the hexadecimal (40-byte) representation of a SHA-1 signature computed using the
 * HMAC algorithm as defined in RFC2104"). Nothing time-bound is signed: the router checks each notification's own
 * `created_at` against the replay window instead.
 */
export const intercomSignature = hmacSignature({
  algorithm: 'sha1',
  encoding: 'hex',
  signature: { header: 'x-hub-signature', prefix: 'sha1=' },
  signed: ['body'],
});

/**
 * Conversation topics to subscribe to: the 1.1 webhook models' list, `conversation.contact.attached|detached` (2.6
 * changelog) and `conversation.admin.open.assigned` (2.8 changelog). Any other `conversation.*` or
 * `conversation_part.*` topic a subscription delivers is read back the same way.
 */
export const CONVERSATION_TOPICS = [
  'conversation.user.created',
  'conversation.user.replied',
  'conversation.admin.replied',
  'conversation.admin.single.created',
  'conversation.admin.assigned',
  'conversation.admin.open.assigned',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'conversation.admin.opened',
  'conversation.admin.snoozed',
  'conversation.admin.unsnoozed',
  'conversation.contact.attached',
  'conversation.contact.detached',
  'conversation_part.tag.created',
] as const;

/** Ticket topics to subscribe to (2.9 changelog "New Ticket Webhook Topics"); any other `ticket.*` topic is read back too. */
export const TICKET_TOPICS = [
  'ticket.created',
  'ticket.state.updated',
  'ticket.admin.assigned',
  'ticket.team.assigned',
  'ticket.attribute.updated',
  'ticket.admin.replied',
  'ticket.contact.replied',
  'ticket.note.created',
  'ticket.contact.attached',
  'ticket.contact.detached',
] as const;

/** The deletion topic: "The *.deleted webhook topics send a minimal identification payload". */
export const DELETED_TOPIC = 'conversation.deleted';

/** Every topic to tick in the Developer Hub. */
export const WEBHOOK_TOPICS: readonly string[] = [...CONVERSATION_TOPICS, DELETED_TOPIC, ...TICKET_TOPICS];

/**
 * A `notification_event` ("Signed notifications" example; webhook models), only the fields the connector reads: the
 * item is the topic's object, or for `*.deleted` topics only its identifying fields. `ping` is what "Send a test
 * request" in the Developer Hub sends.
 */
export const IntercomNotification = z.looseObject({
  type: z.literal('notification_event'),
  id: z.string().nullable().optional(),
  topic: z.string(),
  app_id: z.string().nullable().optional(),
  created_at: z.number().nullable().optional(),
  first_sent_at: z.number().nullable().optional(),
  data: z
    .looseObject({
      item: z.looseObject({ type: z.string().nullable().optional(), id: z.union([z.string(), z.number()]).nullable().optional() }).nullable().optional(),
    })
    .nullable()
    .optional(),
});
/** A parsed notification. */
export type IntercomNotification = z.infer<typeof IntercomNotification>;

function malformed(message: string): TicketbridgeError {
  return new TicketbridgeError('webhook', message, { platform: 'intercom' });
}

/** What a topic is about: by its object's prefix, so topics Intercom adds later are still read back. */
function topicKind(topic: string): 'conversation' | 'ticket' | 'deleted' | undefined {
  if (topic === DELETED_TOPIC || topic === 'ticket.deleted') return 'deleted';
  if (topic.startsWith('conversation.') || topic.startsWith('conversation_part.')) return 'conversation';
  if (topic.startsWith('ticket.')) return 'ticket';
  return undefined;
}

/**
 * What a notification says: conversation and ticket topics (by prefix) become references that the router reads back with
 * `fetchTicket` (the payload's object is the version at send time and, from 2.15, its part bodies are plain text, so
 * the API's answer is the one delivered); `conversation.deleted` becomes a deletion; `ping` and other topics say
 * nothing about a ticket. The notification's `created_at` is the event time the router's replay window checks.
 *
 * A deletion (`conversation.deleted`, or a `ticket.deleted` should Intercom send one) names both `conversation:<id>` and
 * `ticket:<id>`: Intercom documents no ticket deletion topic, a customer
 * ticket is a conversation with the same id, and the payload carries only the id.
 */
export function parseIntercomNotification(request: WebhookRequest): WebhookItem[] {
  const n = readWebhookJson(request, IntercomNotification, { platform: 'intercom', expected: 'an Intercom notification_event' });
  const kind = topicKind(n.topic);
  // `ping` and topics about other objects (contacts, admins, companies...) say nothing about a ticket.
  if (!kind) return [];
  const raw = n.data?.item?.id;
  const id = raw === null || raw === undefined ? '' : String(raw).trim();
  if (!/^\d{1,24}$/.test(id)) throw malformed(`the ${n.topic} notification names no conversation or ticket id`);
  // The signature covers no time: the notification's own creation time (else its first send) is what the router's
  // replay window checks. Without either, a captured request could be replayed forever, so it is refused.
  const createdAt = n.created_at ?? n.first_sent_at;
  if (typeof createdAt !== 'number' || createdAt <= 0) throw malformed(`the ${n.topic} notification has no created_at`);
  const at = new Date(createdAt * 1000).toISOString();
  if (kind === 'deleted') {
    return [
      { kind: 'deleted', externalId: `${CONVERSATION_PREFIX}${id}`, deletedAt: at },
      { kind: 'deleted', externalId: `${TICKET_PREFIX}${id}`, deletedAt: at },
    ];
  }
  return [{ kind: 'ref', externalId: `${kind === 'ticket' ? TICKET_PREFIX : CONVERSATION_PREFIX}${id}`, occurredAt: at }];
}

/**
 * The notification's own id (`notif_…`), which Intercom keeps across redeliveries while `delivery_attempts` changes
 * the body [U: third-party guides advise deduplicating on it; Intercom's docs show the id, not its retry behaviour].
 */
export function intercomNotificationId(request: WebhookRequest): string | undefined {
  try {
    const id = (JSON.parse(request.rawBody.toString('utf8')) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && /^notif_[\w-]{1,100}$/.test(id) ? id : undefined;
  } catch {
    // Not JSON: parse() answers 400; there is no id to remember.
    return undefined;
  }
}

/** The manual setup in the Developer Hub: Intercom has no public API for webhook subscriptions of an app. */
export function intercomInstructions(url: string): WebhookInstructions {
  return {
    title: 'Subscribe your Intercom app to conversation and ticket topics in the Developer Hub (Intercom has no API for this)',
    steps: [
      'Open Intercom → Settings → Integrations → Developer Hub and select the app whose access token (or OAuth client) this connection uses.',
      'Under Configure → Authentication, make sure the app has the permissions "Read conversations" and "Read tickets" (webhook topics need the permission that reads their object).',
      `Under Configure → Webhooks, click "Edit", set the endpoint URL to ${url} (it must be HTTPS) and save.`,
      `Tick these topics, then save: ${WEBHOOK_TOPICS.join(', ')}.`,
      'Copy Configure → Basic information → "Client secret" into this connection\'s "Client secret (for webhooks)" field: Intercom signs every notification with it (X-Hub-Signature), and unsigned or wrongly signed notifications are refused with 401.',
      'Click "Send a test request": the endpoint answers the ping with 200.',
      'Keep the connection in "both" sync mode: Intercom pauses delivery for 15 minutes after 1,000 failures in 15 minutes and suspends a private app\'s subscription after 7 days of failures; the poll catches what a missed notification would have said.',
    ],
    docsUrl: 'https://developers.intercom.com/docs/webhooks/setting-up-webhooks',
  };
}

/** The connector's webhook part: signed with the app's client secret, a credentials field. */
export function intercomWebhook(options: { replayWindowMs?: number } = {}): ConnectorWebhook<IntercomCredentials> {
  return {
    secretSource: 'credentials',
    secretField: 'clientSecret',
    ...(options.replayWindowMs === undefined ? {} : { replayWindowMs: options.replayWindowMs }),
    verify: (_ctx, { request, secret }) => intercomSignature.verify(request, secret),
    parse: (_ctx, { request }) => parseIntercomNotification(request),
    eventId: (_ctx, { request }) => intercomNotificationId(request),
    instructions: (_ctx, target) => intercomInstructions(target.url),
  };
}
