import { EDGE_CASE_TEXT, rateLimitPresets, startSimulatorBase } from '@ticketbridge/core/testing';
import { descriptionHtml, toFreshdesk } from './generate.js';
import { authenticate, createRoutes } from './routes.js';
import { createGenerator, createSimState, escapeHtml, iso } from './state.js';
import type { FreshdeskSimulator, FreshdeskSimulatorOptions, SimFreshdeskTicket } from './types.js';
import { createWebhookSender } from './webhooks.js';

export type { FreshdeskSimCredentials, FreshdeskSimRequestRecord, FreshdeskSimulator, FreshdeskSimulatorOptions, SimConversation, SimFreshdeskTicket, SimSecretLocation } from './types.js';
export { renderTemplate } from './webhooks.js';

/** Status codes an update cycles through: the four every account has and the account's custom one. */
const STATUS_CYCLE = [2, 3, 6, 7, 4, 5] as const;

/**
 * Starts a Freshdesk simulator on loopback, written from Freshdesk's API documentation (developers.freshdesk.com/api)
 * and support articles, never from the connector: Basic auth with `{key}:X` and the documented 401 body; List All
 * Tickets as a bare array with `link: <…>; rel="next"`, `per_page` up to 100, the 300-page cap answered 400,
 * `updated_since` inclusive at whole seconds and the 30-day default window without it, the `deleted` and `spam`
 * filters, `include=description,requester`; View a Ticket (trashed and spam tickets included); conversations;
 * ticket fields with a custom status; rate-limit headers per minute with decimals and `Retry-After`; and the
 * automation rule's unsigned webhook with a secret header. Generated tickets vary as real ones do.
 *
 * @example
 * ```ts
 * const sim = await startFreshdeskSimulator({ seed: 7 });
 * await sim.seed(50);
 * await hub.connect({ platform: 'freshdesk', credentials: sim.credentials(), baseUrl: sim.url });
 * ```
 */
export async function startFreshdeskSimulator(options: FreshdeskSimulatorOptions = {}): Promise<FreshdeskSimulator> {
  const state = createSimState(options);
  const generator = createGenerator(state);
  const base = await startSimulatorBase({
    routes: createRoutes(state),
    authenticate: (req) => authenticate(state, req),
    rateLimit: {
      limit: null,
      windowMs: 60_000,
      ...rateLimitPresets.freshdesk,
      // Freshdesk prints the counts as decimals ("700.0") and the credits this call cost.
      headers: (s) => ({ 'x-ratelimit-total': `${s.limit}.0`, 'x-ratelimit-remaining': `${s.remaining}.0`, 'x-ratelimit-used-currentrequest': '1.0' }),
    },
    // An unknown path or another account's prefix: Freshdesk's 404 for an unknown resource has no body.
    notFound: () => ({ status: 404 }),
  });

  const store = (t: SimFreshdeskTicket) => {
    state.tickets.set(t.id, t);
    return String(t.id);
  };
  const touch = (t: SimFreshdeskTicket, at?: string) => {
    t.updated_at = at === undefined ? iso(state.now()) : iso(Date.parse(at));
  };

  const sim: FreshdeskSimulator = {
    url: base.url,
    credentials: () => ({ subdomain: state.subdomain, apiKey: state.apiKey }),
    badCredentials: () => [
      { description: 'wrong API key (401 invalid_credentials)', credentials: { subdomain: state.subdomain, apiKey: `${state.apiKey.slice(0, -4)}xxxx` }, field: 'apiKey' },
      { description: 'a password in place of the API key', credentials: { subdomain: state.subdomain, apiKey: 'hunter2-my-password' }, field: 'apiKey' },
      { description: 'the key of an agent with Group access (ticket_scope 2): only its groups\' tickets would sync', credentials: { subdomain: state.subdomain, apiKey: state.groupKey }, field: 'apiKey' },
    ],
    async seed(count) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) ids.push(store(toFreshdesk(state, g)));
      return ids;
    },
    async seedSameSecond(count, at) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) {
        const t = toFreshdesk(state, g);
        t.updated_at = iso(Date.parse(at));
        ids.push(store(t));
      }
      return ids;
    },
    async seedEdgeCases() {
      const [sparse, unicode, huge, html] = [...generator.iterate(4)].map((g) => toFreshdesk(state, g)) as [SimFreshdeskTicket, SimFreshdeskTicket, SimFreshdeskTicket, SimFreshdeskTicket];
      const length = 256 * 1024;
      // Freshdesk prints unset fields as null and lists as []; the API refuses a ticket without a priority, so the
      // null priority is this simulator's stand-in for "none set" that the conformance suite asks of every platform.
      Object.assign(sparse, { subject: '', description: '', description_text: '', responder_id: null, group_id: null, company_id: null, priority: null, tags: [], type: null });
      Object.assign(unicode, { subject: EDGE_CASE_TEXT, description: `<div>${escapeHtml(EDGE_CASE_TEXT)}</div>`, description_text: EDGE_CASE_TEXT });
      const text = `${'x'.repeat(length - 6)} done.`;
      Object.assign(huge, { description: `<div>${text}</div>`, description_text: text, custom_fields: { ...huge.custom_fields, cf_escalation_notes: 'y'.repeat(64 * 1024) } });
      // An e-mail's HTML as Freshdesk keeps it; description_text is Freshdesk's own flattening, on one line.
      Object.assign(html, {
        description: '<div dir="ltr"><p>Hello&nbsp;<b>team</b>,</p><p>the export &amp; the import fail.<br>Since Monday.</p><script>track()</script></div>',
        description_text: 'Hello team, the export & the import fail. Since Monday.',
      });
      for (const t of [sparse, unicode, huge, html]) store(t);
      return {
        sparse: String(sparse.id),
        unicode: String(unicode.id),
        huge: { id: String(huge.id), length },
        html: { id: String(html.id), text: 'Hello team,\nthe export & the import fail.\nSince Monday.' },
      };
    },
    async update(externalIds, o = {}) {
      for (const id of externalIds) {
        const t = state.ticket(id);
        const i = STATUS_CYCLE.indexOf(t.status as (typeof STATUS_CYCLE)[number]);
        t.status = STATUS_CYCLE[(i + 1) % STATUS_CYCLE.length]!;
        if (!t.tags.includes('updated')) t.tags = [...t.tags, 'updated'];
        touch(t, o.at);
      }
      return [...externalIds];
    },
    async remove(externalIds) {
      // DELETE /api/v2/tickets/{id} moves the ticket to the trash: still readable, deleted: true.
      for (const id of externalIds) {
        const t = state.ticket(id);
        t.deleted = true;
        touch(t);
      }
      return [...externalIds];
    },
    async markSpam(externalIds) {
      for (const id of externalIds) {
        const t = state.ticket(id);
        t.spam = true;
        touch(t);
      }
      return [...externalIds];
    },
    async patchTicket(externalId, fields, o = {}) {
      const t = state.ticket(externalId);
      Object.assign(t, fields);
      touch(t, o.at);
    },
    async addConversation(externalId, c) {
      const t = state.ticket(externalId);
      const at = iso(state.now());
      const list = state.conversations.get(t.id) ?? [];
      const incoming = c.incoming ?? false;
      list.push({
        id: state.ids.conversation++,
        body: c.html ?? descriptionHtml(c.body),
        body_text: c.body,
        structured_body: { body_contents: [{ type: 'text', data: { content: c.body } }] },
        incoming,
        private: c.private ?? false,
        // 0 Reply, 2 Note.
        source: c.private === undefined ? 0 : 2,
        user_id: incoming ? t.requester_id : state.agents[1]!.id,
        support_email: incoming ? null : `support@${state.subdomain}.freshdesk.com`,
        to_emails: [],
        from_email: null,
        cc_emails: [],
        bcc_emails: [],
        ticket_id: t.id,
        attachments: [],
        created_at: at,
        updated_at: at,
        last_edited_at: null,
        last_edited_user_id: null,
      });
      state.conversations.set(t.id, list);
      t.updated_at = at;
    },
    ticket: (externalId) => structuredClone(state.ticket(externalId)),
    vocabulary: {
      // Codes as the API prints them (numbers, kept as text in rawStatus), with the meaning Freshdesk documents;
      // 6 and 7 are the account's custom statuses, filed by the label customers see ("Awaiting your Reply" is Pending's,
      // "Being Processed" is Open's), as Freshdesk's ticket-fields sample defines them.
      statuses: [
        ['2', 'open'],
        ['3', 'pending'],
        ['4', 'solved'],
        ['5', 'closed'],
        ['6', 'pending'],
        ['7', 'open'],
      ],
      priorities: [
        ['1', 'low'],
        ['2', 'normal'],
        ['3', 'high'],
        ['4', 'urgent'],
      ],
    },
    snapshot: () => new Map([...state.tickets.values()].map((t) => [String(t.id), new Date(t.updated_at).toISOString()])),
    faults: base.faults,
    rateLimit: base.rateLimit,
    stats: base.stats,
    resetStats() {
      base.resetStats();
      state.credits = 0;
      state.log.length = 0;
    },
    credits: () => state.credits,
    requests: () => [...state.log],
    webhooks: createWebhookSender(state),
    close: () => base.close(),
  };
  return sim;
}
