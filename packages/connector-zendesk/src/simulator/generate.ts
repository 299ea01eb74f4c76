import { iso, type SimState } from './state.js';
import type { SimZendeskTicket } from './types.js';

/** Ticket statuses an agent can set (the export adds `deleted`). */
export const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent', null] as const;
const CHANNELS = ['web', 'email', 'api', 'chat', 'mobile'] as const;
const SUBJECTS = ['Help, my printer is on fire!', 'Login fails with 2FA', 'Facture en double — remboursement ?', 'Refund request', '配送が遅れています', 'Feature request: dark mode', 'Cannot export CSV'];
const TAGS = ['enterprise', 'vip', 'billing', 'bug', 'how-to', 'other_tag'];
const CUSTOM_FIELD_TEXT = 27642;
const CUSTOM_FIELD_CHECKBOX = 27648;
// Members a ticket leaves out rather than sending null, on some tickets (see the README's fixture section).
const OMITTABLE = ['external_id', 'type', 'priority', 'assignee_id', 'organization_id', 'group_id', 'due_at'] as const;

/** Seeded ticket generator: every choice comes from `rand`, so a seed always gives the same account. */
export function createTicketMaker(state: SimState, rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  return function makeTicket(): SimZendeskTicket {
    const id = state.ids.ticket++;
    // Spread over the 30 days before the clock, at least 5 minutes old: outside the export's excluded minute.
    const created = state.now() - 5 * 60_000 - Math.floor(rand() * 30 * 86_400_000);
    const updated = Math.min(state.now() - 5 * 60_000, created + Math.floor(rand() * 3 * 86_400_000));
    const requester = pick(state.customers);
    const status = pick(STATUSES);
    const assignee = status === 'new' ? null : pick(state.agents);
    // A ticket created through the API without a subject keeps an empty one.
    const subject = rand() < 0.05 ? '' : pick(SUBJECTS);
    const description = `${subject || 'No subject'}\n\nTicket ${id}: the customer wrote in. Ünïcödé ✓`;
    const channel = pick(CHANNELS);
    const orgId = rand() < 0.7 ? pick(state.organizations).id : null;
    const tagRoll = rand();
    const tags = tagRoll < 0.1 ? null : TAGS.filter(() => rand() < 0.3);
    const customFields = [
      { id: CUSTOM_FIELD_TEXT, value: rand() < 0.5 ? String(Math.floor(rand() * 1000)) : rand() < 0.5 ? '' : null },
      { id: CUSTOM_FIELD_CHECKBOX, value: rand() < 0.5 },
    ];
    const t: SimZendeskTicket = {
      id,
      url: `${state.origin}/api/v2/tickets/${id}.json`,
      external_id: rand() < 0.3 ? `ext-${id}` : null,
      type: pick(['incident', 'question', 'problem', 'task', null] as const),
      subject,
      raw_subject: subject,
      description,
      priority: pick(PRIORITIES),
      status,
      recipient: channel === 'email' ? `support@${state.subdomain}.test` : null,
      requester_id: requester.id,
      submitter_id: requester.id,
      assignee_id: assignee?.id ?? null,
      organization_id: orgId,
      group_id: assignee ? 98738 : null,
      collaborator_ids: [],
      follower_ids: [],
      email_cc_ids: [],
      followup_ids: [],
      sharing_agreement_ids: [],
      has_incidents: false,
      is_public: true,
      due_at: null,
      tags,
      custom_fields: customFields,
      // The deprecated mirror of custom_fields that Zendesk still sends.
      fields: customFields.map((f) => ({ ...f })),
      custom_status_id: 8_447_320_465_790 + STATUSES.indexOf(status),
      ticket_form_id: 360_000_000_001,
      satisfaction_rating: null,
      via: { channel, source: { from: {}, to: {}, rel: null } },
      brand_id: 360_000_001,
      allow_channelback: false,
      allow_attachments: true,
      from_messaging_channel: false,
      created_at: iso(created),
      updated_at: iso(updated),
      generated_timestamp: Math.floor(updated / 1000),
    };
    // About a third of the tickets leave unset members out instead of sending null.
    if (rand() < 0.33) for (const key of OMITTABLE) if (t[key] === null) delete t[key];
    state.addComment(t, { authorId: requester.id, body: description, public: true, at: created });
    if (rand() < 0.4) {
      // Some notes are created through the API with `body` only: Zendesk then leaves plain_body empty.
      const body = 'Internal note: checked the logs, escalating.';
      state.addComment(t, { authorId: (assignee ?? state.agents[1]!).id, body, public: false, at: updated, ...(rand() < 0.5 ? { plainBody: '' } : {}) });
    }
    return t;
  };
}
