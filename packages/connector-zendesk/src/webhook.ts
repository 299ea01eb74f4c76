import {
  TicketbridgeError,
  type ConnectorContext,
  type ConnectorWebhook,
  type JsonObject,
  type WebhookItem,
  type WebhookRegistration,
  type WebhookRequest,
  type WebhookVerification,
} from '@ticketbridge/core';
import { hmacSignature, readWebhookJson } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import { paths, SigningSecretResponse, TriggerResponse, WebhookResponse } from './api.js';
import type { ZendeskCredentials } from './credentials.js';

/** Header carrying the base64 HMAC-SHA256 signature. https://developer.zendesk.com/documentation/webhooks/verifying/ */
export const SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
/** Header carrying the signed timestamp (ISO-8601, e.g. `2024-04-17T17:18:10Z`). */
export const TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';

/**
 * How the webhook is connected to ticket activity.
 * - `events`: a webhook subscribed to the `zen:event-type:ticket.*` events; Zendesk defines the payload.
 * - `trigger`: a webhook for `conditional_ticket_events` plus a trigger on every ticket create/update that posts
 *   {@link TRIGGER_PAYLOAD_TEMPLATE}. For accounts or plans where ticket event subscriptions are unavailable.
 */
export type ZendeskWebhookMode = 'events' | 'trigger';

/**
 * The ticket events the webhook subscribes to in `events` mode: each one changes a field of the normalized ticket
 * (status, custom status, priority, people, organization, tags, subject, description, custom fields, form, brand,
 * type, external id, followers and CCs in `raw`), its comments (added, made private, redacted) or its existence
 * (created, deleted, spam, merged, undeleted). Left out: SLA, OLA, schedule and CSAT events (metrics, not ticket
 * fields), problem links, task due dates and attachments, which the safety-net poll still picks up.
 * Names as documented: https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/
 */
export const TICKET_EVENT_TYPES = [
  'zen:event-type:ticket.created',
  'zen:event-type:ticket.status_changed',
  'zen:event-type:ticket.custom_status_changed',
  'zen:event-type:ticket.priority_changed',
  'zen:event-type:ticket.agent_assignment_changed',
  'zen:event-type:ticket.group_assignment_changed',
  'zen:event-type:ticket.tags_changed',
  'zen:event-type:ticket.subject_changed',
  'zen:event-type:ticket.description_changed',
  'zen:event-type:ticket.comment_added',
  'zen:event-type:ticket.comment_made_private',
  'zen:event-type:ticket.comment_redacted',
  'zen:event-type:ticket.custom_field_changed',
  'zen:event-type:ticket.form_changed',
  'zen:event-type:ticket.brand_changed',
  'zen:event-type:ticket.type_changed',
  'zen:event-type:ticket.external_id_changed',
  'zen:event-type:ticket.requester_changed',
  'zen:event-type:ticket.submitter_changed',
  'zen:event-type:ticket.organization_changed',
  'zen:event-type:ticket.followers_changed',
  'zen:event-type:ticket.email_ccs_changed',
  'zen:event-type:ticket.merged',
  'zen:event-type:ticket.marked_as_spam',
  'zen:event-type:ticket.soft_deleted',
  'zen:event-type:ticket.permanently_deleted',
  'zen:event-type:ticket.undeleted',
] as const;

/** Event types after which the ticket can no longer be read through the API. */
const DELETION_EVENTS = new Set(['zen:event-type:ticket.soft_deleted', 'zen:event-type:ticket.permanently_deleted', 'zen:event-type:ticket.marked_as_spam']);

/**
 * The JSON body the trigger posts in `trigger` mode. Placeholders render display values (localized status names,
 * formatted dates), so the payload only names the ticket and the router hydrates it through `fetchTicket`.
 * If you build the trigger by hand, use this body verbatim.
 */
export const TRIGGER_PAYLOAD_TEMPLATE = '{"ticketbridge":"zendesk.trigger.v1","ticket_id":"{{ticket.id}}","update_type":"{{ticket.update_type}}"}';

// https://developer.zendesk.com/api-reference/webhooks/event-types/webhook-event-types/#event-schema
const EventPayload = z.object({
  type: z.string(),
  time: z.string().optional(),
  subject: z.string().optional(),
  detail: z.looseObject({ id: z.union([z.string(), z.number()]).optional(), updated_at: z.string().nullable().optional() }).nullable().optional(),
});

// The body of TRIGGER_PAYLOAD_TEMPLATE once Zendesk rendered it.
const TriggerPayload = z.object({ ticketbridge: z.string(), ticket_id: z.union([z.string(), z.number()]) });

// The trigger payload first: it is ours, and an event payload never carries `ticketbridge`.
const WebhookPayload = z.union([TriggerPayload, EventPayload]);

/** Options of the webhook part. */
export interface ZendeskWebhookOptions {
  mode: ZendeskWebhookMode;
  /** How far the signed timestamp may be from the time of receipt, in milliseconds; the hub enforces it. */
  replayWindowMs?: number;
}

/**
 * Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + rawBody)), no separator; a delivery without a body
 * (GET, DELETE) signs the timestamp alone. https://developer.zendesk.com/documentation/webhooks/verifying/
 */
export const zendeskSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { header: SIGNATURE_HEADER },
  timestamp: { header: TIMESTAMP_HEADER, format: 'iso-8601' },
  signed: ['timestamp', 'body'],
});

/** Computes Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + rawBody)), no separator. */
export function signZendeskWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return zendeskSignature.sign({ secret, timestamp, body: rawBody });
}

/**
 * Verifies a delivery's signature and returns the signed timestamp; the hub refuses it outside the replay window.
 */
export function verifyZendeskSignature(request: WebhookRequest, secret: string): WebhookVerification {
  return zendeskSignature.verify(request, secret);
}

function malformed(message: string): TicketbridgeError {
  return new TicketbridgeError('webhook', message, { platform: 'zendesk' });
}

/**
 * Reads a verified delivery: an event-subscription payload (`zen:event-type:ticket.*`) or the trigger payload of
 * {@link TRIGGER_PAYLOAD_TEMPLATE}. Neither carries the full ticket (event details lack custom fields and people's
 * names), so both become references that the router hydrates; deletions become tombstones.
 */
export function parseZendeskWebhook(request: WebhookRequest): WebhookItem[] {
  const payload = readWebhookJson(request, WebhookPayload, { platform: 'zendesk', expected: 'a Zendesk event payload or the Ticketbridge trigger payload' });
  if ('ticketbridge' in payload) {
    const ticketId = String(payload.ticket_id).trim();
    if (!/^\d+$/.test(ticketId)) throw malformed('trigger payload ticket_id is not a ticket id');
    return [{ kind: 'ref', externalId: ticketId }];
  }
  const { type, detail, subject, time } = payload;
  // Other domains (users, organizations...) carry no ticket change: acknowledge them.
  if (!type.startsWith('zen:event-type:ticket.')) return [];
  const fromSubject = subject?.match(/^zen:ticket:(\d+)$/)?.[1];
  const ticketId = detail?.id !== undefined ? String(detail.id) : fromSubject;
  if (!ticketId || !/^\d+$/.test(ticketId)) throw malformed('ticket event without a ticket id');
  if (DELETION_EVENTS.has(type)) {
    // The ticket's updated_at first: it is the version the incremental export reports for the deletion (second
    // precision), so poll and webhook produce the same version and dedupe keeps one.
    const at = Date.parse(detail?.updated_at ?? time ?? '');
    return [{ kind: 'deleted', externalId: ticketId, deletedAt: new Date(Number.isNaN(at) ? request.receivedAt.getTime() : at).toISOString() }];
  }
  return [{ kind: 'ref', externalId: ticketId }];
}

/** What `register` created, stored with the connection so `unregister` removes exactly that. */
export interface ZendeskWebhookResources extends JsonObject {
  webhookId: string;
  triggerId: string | null;
  mode: ZendeskWebhookMode;
}

function resourcesOf(registration: WebhookRegistration): ZendeskWebhookResources {
  const r = registration.resources as Partial<ZendeskWebhookResources> | null;
  return { webhookId: String(r?.webhookId ?? ''), triggerId: r?.triggerId ? String(r.triggerId) : null, mode: r?.mode === 'trigger' ? 'trigger' : 'events' };
}

/**
 * Creates the webhook (and, in `trigger` mode, its trigger) through the Webhooks API and reads back the signing
 * secret Zendesk generated. `target.secret` is ignored: Zendesk does not accept a secret chosen by the caller.
 */
export async function registerZendeskWebhook(
  ctx: ConnectorContext<ZendeskCredentials>,
  target: { url: string },
  mode: ZendeskWebhookMode,
): Promise<WebhookRegistration> {
  const name = `Ticketbridge (${ctx.connectionId})`;
  const created = await ctx.http.request(paths.webhooks, {
    method: 'POST',
    json: {
      webhook: {
        name,
        description: 'Sends Zendesk ticket changes to Ticketbridge. Created and removed by the Ticketbridge connector.',
        endpoint: target.url,
        http_method: 'POST',
        request_format: 'json',
        status: 'active',
        subscriptions: mode === 'events' ? [...TICKET_EVENT_TYPES] : ['conditional_ticket_events'],
      },
    },
    schema: WebhookResponse,
  });
  const webhookId = created.data.webhook.id;
  let triggerId: string | null = null;
  try {
    if (mode === 'trigger') {
      const trigger = await ctx.http.request(paths.triggers, {
        method: 'POST',
        json: {
          trigger: {
            title: name,
            description: 'Notifies Ticketbridge of every ticket create and update.',
            active: true,
            conditions: {
              all: [],
              any: [
                { field: 'update_type', operator: 'is', value: 'Create' },
                { field: 'update_type', operator: 'is', value: 'Change' },
              ],
            },
            actions: [{ field: 'notification_webhook', value: [webhookId, TRIGGER_PAYLOAD_TEMPLATE] }],
          },
        },
        schema: TriggerResponse,
      });
      triggerId = String(trigger.data.trigger.id);
    }
    const secret = await ctx.http.get(paths.signingSecret(webhookId), { schema: SigningSecretResponse });
    const resources: ZendeskWebhookResources = { webhookId, triggerId, mode };
    return { secret: secret.signing_secret.secret, resources };
  } catch (error) {
    // Leave nothing half-made behind on the account.
    await removeResources(ctx, { webhookId, triggerId, mode }).catch(() => undefined);
    throw error;
  }
}

async function removeResources(ctx: ConnectorContext<ZendeskCredentials>, r: ZendeskWebhookResources): Promise<void> {
  // The trigger first: a trigger pointing at a deleted webhook fails on every ticket update.
  if (r.triggerId) await ctx.http.request(paths.trigger(r.triggerId), { method: 'DELETE', acceptStatus: [404] });
  if (r.webhookId) await ctx.http.request(paths.webhook(r.webhookId), { method: 'DELETE', acceptStatus: [404] });
}

/** Builds the connector's webhook part. */
export function zendeskWebhook(options: ZendeskWebhookOptions): ConnectorWebhook<ZendeskCredentials> {
  return {
    secretSource: 'platform',
    ...(options.replayWindowMs === undefined ? {} : { replayWindowMs: options.replayWindowMs }),
    verify: (_ctx, { request, secret }) => verifyZendeskSignature(request, secret),
    parse: (_ctx, { request }) => parseZendeskWebhook(request),
    register: (ctx, target) => registerZendeskWebhook(ctx, target, options.mode),
    unregister: (ctx, { registration }) => removeResources(ctx, resourcesOf(registration)),
  };
}
