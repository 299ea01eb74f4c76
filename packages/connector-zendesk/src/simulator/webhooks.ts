import { createHash } from 'node:crypto';
import { signZendesk, type SimulatorWebhooks } from '@ticketbridge/core/testing';
import type { SimState } from './state.js';
import type { SimZendeskTicket } from './types.js';

// Written from https://developer.zendesk.com/documentation/webhooks/verifying/, not from the connector, so a
// connector that signs or checks the wrong string is caught: base64(HMAC-SHA256(secret, timestamp + body)).
const SIGNATURE_HEADER = 'X-Zendesk-Webhook-Signature';
const TIMESTAMP_HEADER = 'X-Zendesk-Webhook-Signature-Timestamp';

/**
 * Every `subscriptions` value the Webhooks API documents: `conditional_ticket_events` (triggers and automations)
 * and the event types of https://developer.zendesk.com/api-reference/webhooks/event-types/webhook-event-types/
 * (ticket, organization and user domains). Create Webhook refuses anything else.
 */
const TICKET_EVENTS = [
  'agent_assignment_changed', 'attachment_linked_to_comment', 'attachment_redacted_from_comment', 'brand_changed', 'comment_added',
  'comment_made_private', 'comment_redacted', 'created', 'csat_received', 'csat_requested', 'custom_field_changed', 'custom_status_changed',
  'description_changed', 'email_ccs_changed', 'external_id_changed', 'followers_changed', 'form_changed', 'group_assignment_changed',
  'marked_as_spam', 'merged', 'next_sla_breach_changed', 'ola_policy_changed', 'organization_changed', 'permanently_deleted', 'priority_changed',
  'problem_link_changed', 'requester_changed', 'schedule_changed', 'sla_policy_changed', 'soft_deleted', 'status_changed', 'subject_changed',
  'submitter_changed', 'tags_changed', 'task_due_at_changed', 'type_changed', 'undeleted',
];
const ORGANIZATION_EVENTS = ['created', 'custom_field_changed', 'deleted', 'external_id_changed', 'name_changed', 'tags_changed'];
const USER_EVENTS = [
  'active_changed', 'alias_changed', 'created', 'custom_field_changed', 'custom_role_changed', 'default_group_changed', 'deleted', 'details_changed',
  'external_id_changed', 'group_membership_created', 'group_membership_deleted', 'identity_changed', 'identity_created', 'identity_deleted',
  'last_login_changed', 'merged', 'name_changed', 'notes_changed', 'only_private_comments_changed', 'organization_membership_created',
  'organization_membership_deleted', 'password_changed', 'photo_changed', 'role_changed', 'suspended_changed', 'tags_changed', 'time_zone_changed',
];
export const DOCUMENTED_SUBSCRIPTIONS: ReadonlySet<string> = new Set([
  'conditional_ticket_events',
  ...TICKET_EVENTS.map((e) => `zen:event-type:ticket.${e}`),
  ...ORGANIZATION_EVENTS.map((e) => `zen:event-type:organization.${e}`),
  ...USER_EVENTS.map((e) => `zen:event-type:user.${e}`),
]);

type Change = 'created' | 'updated' | 'deleted';

/** Signed deliveries to the host: the trigger's rendered template, or an event payload in Zendesk's schema. */
export function createWebhookSender(state: SimState): SimulatorWebhooks {
  // Deterministic from the seed: the n-th delivery of a seed always has the same ids and sub-second digits.
  const digest = (n: number) => createHash('sha256').update(`delivery:${state.seed}:${n}`).digest('hex');

  function renderTemplate(template: string, t: SimZendeskTicket, event: Change): string {
    const values: Record<string, string> = {
      'ticket.id': String(t.id),
      'ticket.update_type': event === 'created' ? 'Create' : 'Change',
      'ticket.title': t.subject,
      'ticket.status': t.status.charAt(0).toUpperCase() + t.status.slice(1),
      'ticket.url': `${state.subdomain}.zendesk.com/agent/tickets/${t.id}`,
    };
    // Placeholders are replaced by their text as is; Zendesk does not JSON-escape them.
    return template.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (_, key: string) => values[key] ?? '');
  }

  // https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/: ids in `detail` are strings,
  // external_id is "returned as a string" ("" when unset, as in the event-schema example), enums in capitals, and
  // `time` carries nanoseconds (2025-01-08T10:14:41.672717030Z in recorded deliveries).
  function eventPayload(t: SimZendeskTicket, event: Change, n: number): string {
    const type = event === 'created' ? 'zen:event-type:ticket.created' : event === 'deleted' ? 'zen:event-type:ticket.soft_deleted' : 'zen:event-type:ticket.status_changed';
    const status = (event === 'deleted' ? 'deleted' : t.status).toUpperCase();
    const s = (v: number | null | undefined) => (typeof v === 'number' ? String(v) : null);
    const h = digest(n);
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    const nanos = String(parseInt(h.slice(32, 40), 16) % 1_000_000).padStart(6, '0');
    return JSON.stringify({
      account_id: state.accountId,
      detail: {
        actor_id: '1001',
        assignee_id: s(t.assignee_id),
        brand_id: String(t.brand_id),
        created_at: t.created_at,
        custom_status: String(t.custom_status_id ?? ''),
        description: t.description,
        external_id: t.external_id ?? '',
        form_id: String(t.ticket_form_id ?? ''),
        group_id: s(t.group_id),
        id: String(t.id),
        is_public: t.is_public,
        organization_id: s(t.organization_id),
        priority: t.priority ? t.priority.toUpperCase() : null,
        requester_id: String(t.requester_id),
        status,
        subject: t.subject,
        submitter_id: String(t.submitter_id),
        tags: t.tags,
        type: t.type ? t.type.toUpperCase() : null,
        updated_at: t.updated_at,
        via: { channel: t.via.channel },
      },
      event: {
        ...(event === 'updated' ? { current: status, previous: 'NEW' } : {}),
        meta: { sequence: { id: h.slice(40, 56).toUpperCase(), position: 1 } },
      },
      id: uuid,
      subject: `zen:ticket:${t.id}`,
      time: new Date().toISOString().replace(/Z$/, `${nanos}Z`),
      type,
      zendesk_event_version: '2022-11-06',
    });
  }

  return {
    registered: () => [...state.webhooks.values()].map((w) => w.endpoint),
    async deliver(url, externalIds, o = {}) {
      const all = [...state.webhooks.values()];
      const hook = all.find((w) => w.endpoint === url) ?? all.at(-1);
      if (!hook) throw new Error('no webhook is registered on the simulated Zendesk account');
      const event = o.event ?? 'updated';
      const trigger = [...state.triggers.values()].find((t) => t.actions.some((a) => a.field === 'notification_webhook' && Array.isArray(a.value) && a.value[0] === hook.id));
      const template = trigger?.actions.find((a) => a.field === 'notification_webhook')?.value as [string, string] | undefined;
      let last = { status: 0, body: '' };
      for (const externalId of externalIds) {
        const t = state.ticket(externalId);
        const n = state.ids.delivery++;
        const body = hook.subscriptions.includes('conditional_ticket_events') && template ? renderTemplate(template[1], t, event) : eventPayload(t, event, n);
        const timestamp = (o.sentAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const secret = o.forge ? `${hook.secret}forged` : hook.secret;
        const res = await fetch(url, {
          method: hook.http_method,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Zendesk Webhook',
            'x-zendesk-account-id': String(state.accountId),
            'x-zendesk-webhook-id': hook.id,
            'x-zendesk-webhook-invocation-id': String(parseInt(digest(n).slice(56, 64), 16)),
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signZendesk({ secret, timestamp, body }),
          },
          body,
        });
        last = { status: res.status, body: await res.text() };
        if (last.status >= 300) return last;
      }
      return last;
    },
  };
}
