import { randomUUID } from 'node:crypto';
import { sendWebhook, signHmacSha1Hex, type SimulatorWebhooks } from '@ticketbridge/core/testing';
import { seconds, type SimState } from './state.js';

/**
 * Topics the simulated workspace sends for the suite's events (webhook models 2.16). A ticket's deletion is sent as
 * `conversation.deleted`: Intercom documents no ticket deletion topic, and a ticket is a conversation [U].
 */
const TOPICS = {
  conversation: { created: 'conversation.user.created', updated: 'conversation.admin.replied', deleted: 'conversation.deleted' },
  ticket: { created: 'ticket.created', updated: 'ticket.state.updated', deleted: 'conversation.deleted' },
} as const;

/** A `notification_event` as the "Signed notifications" example prints it, with the fields of the webhook models. */
export function notificationEvent(state: SimState, topic: string, item: unknown, createdAt: number): Record<string, unknown> {
  return {
    type: 'notification_event',
    app_id: state.appId,
    data: { type: 'notification_event_data', item },
    links: {},
    id: `notif_${randomUUID()}`,
    topic,
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: createdAt,
    created_at: createdAt,
    self: null,
  };
}

/** Posts one notification, signed `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>` unless forged. */
export async function postNotification(state: SimState, url: string, body: Record<string, unknown>, forge = false): Promise<{ status: number; body: string }> {
  const raw = Buffer.from(JSON.stringify(body));
  const res = await sendWebhook({
    url,
    body: raw,
    headers: { 'content-type': 'application/json', 'user-agent': 'intercom-parrot-service-client/1.0', accept: 'application/json' },
    sign: ({ body: bytes }) => ({ 'x-hub-signature': signHmacSha1Hex({ secret: forge ? 'forged-client-secret' : state.clientSecret, payload: bytes }) }),
  });
  return { status: res.status, body: res.body };
}

/**
 * Delivers one notification per item: the item's object for conversation and ticket topics (as Intercom sends the
 * object at send time), the id only for `conversation.deleted` ("a minimal identification payload"). A notification
 * follows a change, so an item older than the send time is stamped updated then; `sentAt` models a notification
 * captured then and replayed now (its `created_at` is that time; nothing else carries a time).
 */
export function createWebhookSender(state: SimState): SimulatorWebhooks {
  return {
    async deliver(url, externalIds, options = {}) {
      const sentAt = seconds((options.sentAt ?? new Date(state.now())).getTime());
      const event = options.event ?? 'updated';
      let last = { status: 204, body: '' };
      for (const externalId of externalIds) {
        const { kind, id } = state.parse(externalId);
        let item: unknown;
        if (event === 'deleted') item = { type: 'conversation', id };
        else if (kind === 'conversation') {
          const c = state.conversations.get(id)!;
          if (c.updated_at < sentAt && !options.sentAt) state.conversations.upsert({ ...c, updated_at: sentAt });
          item = { ...structuredClone(state.conversations.get(id)!), conversation_parts: { type: 'conversation_part.list', conversation_parts: [], total_count: 0 } };
        } else {
          const t = state.tickets.get(id)!;
          if (t.updated_at < sentAt && !options.sentAt) state.tickets.upsert({ ...t, updated_at: sentAt });
          item = structuredClone(state.tickets.get(id)!);
        }
        last = await postNotification(state, url, notificationEvent(state, TOPICS[kind][event], item, sentAt), options.forge);
        if (last.status >= 300) return last;
      }
      return last;
    },
  };
}
