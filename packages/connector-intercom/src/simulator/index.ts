import { EDGE_CASE_TEXT, createOAuthServer, rateLimitPresets, startSimulatorBase, type GeneratedTicket } from '@ticketbridge/core/testing';
import { bodyHtml, part, toConversation, toTicket } from './generate.js';
import { authenticate, createRoutes, errorList } from './routes.js';
import { TICKET_STATES, createGenerator, createSimState, escapeHtml, seconds, type SimState } from './state.js';
import type { IntercomSimulator, IntercomSimulatorOptions, SimConversation, SimTicket } from './types.js';
import { createWebhookSender, notificationEvent, postNotification } from './webhooks.js';

export type { IntercomSimCredentials, IntercomSimRequestRecord, IntercomSimulator, IntercomSimulatorOptions, SimConversation, SimPart, SimTicket, SimTicketPart } from './types.js';
export { TICKET_STATES };

const REDIRECT_URI = 'https://app.example.com/intercom/callback';

/** Status changes an update cycles through, per kind. */
const CONVERSATION_CYCLE = ['open', 'snoozed', 'closed'] as const;
const TICKET_CYCLE = ['8498', '8499', '8500', '8501', '9012', '9013'] as const;
const TICKET_STATE_BY_ID: Record<string, (typeof TICKET_STATES)[number]> = Object.fromEntries(TICKET_STATES.map((s) => [s.id, s]));

/**
 * Starts an Intercom simulator on loopback, written from Intercom's API documentation (the Intercom-OpenAPI 2.16
 * description, the webhook and OAuth guides), never from the connector: Bearer tokens and the `error.list` 401,
 * `GET /me` with the workspace's `app`, Search conversations and Search tickets (`>` as greater-or-equal on UNIX
 * seconds, `sort`, `per_page` up to 150, opaque `starting_after`), Retrieve a conversation with at most the 500 most
 * recent parts, Retrieve a ticket, 404s for deleted items, `X-RateLimit-*` headers with a UNIX reset and no
 * `Retry-After`, signed `notification_event` webhooks, and the OAuth consent page and `/auth/eagle/token`.
 *
 * @example
 * ```ts
 * const sim = await startIntercomSimulator({ seed: 7 });
 * await sim.seed(50);
 * await hub.connect({ platform: 'intercom', credentials: sim.credentials(), baseUrl: sim.url });
 * ```
 */
export async function startIntercomSimulator(options: IntercomSimulatorOptions = {}): Promise<IntercomSimulator> {
  const state = createSimState(options);
  const generator = createGenerator(state);
  // Intercom's tokens do not expire and come without a refresh token: the server's lifetime is set past any test.
  const oauth = createOAuthServer({ accessTokenTtlSec: 10 * 365 * 86_400, encodings: ['form', 'json'], tokenPrefix: 'dG9rOmlj' });
  const oauthApp = { clientId: `ic-client-${state.seed}`, clientSecret: `ic-secret-${state.seed}-${state.clientSecret.slice(0, 8)}`, redirectUri: REDIRECT_URI };
  oauth.addClient({ clientId: oauthApp.clientId, clientSecret: oauthApp.clientSecret, redirectUris: [REDIRECT_URI] });
  const base = await startSimulatorBase({
    routes: createRoutes(state, oauth),
    authenticate: (req) => authenticate(state, oauth, req),
    rateLimit: { limit: null, windowMs: 10_000, ...rateLimitPresets.intercom },
    notFound: () => errorList(404, 'not_found', 'Resource Not Found'),
  });

  const store = (kind: 'conversation' | 'ticket', g: GeneratedTicket): string => {
    if (kind === 'conversation') {
      const { data, parts } = toConversation(state, g);
      state.conversations.upsert(data);
      state.parts.set(data.id, parts);
      return `conversation:${data.id}`;
    }
    const { data, parts } = toTicket(state, g);
    state.tickets.upsert(data);
    state.parts.set(data.id, parts);
    return `ticket:${data.id}`;
  };
  const kindOf = (g: GeneratedTicket) => (g.seq % 3 === 0 ? 'ticket' : 'conversation');
  const stamp = (at?: string) => (at === undefined ? seconds(state.now()) : seconds(Date.parse(at)));
  const put = (s: SimState, externalId: string, change: (x: Record<string, unknown>) => void, at?: string) => {
    const r = s.record(externalId);
    const copy = structuredClone(r.data) as unknown as Record<string, unknown>;
    change(copy);
    copy.updated_at = stamp(at);
    if (r.kind === 'conversation') s.conversations.upsert(copy as unknown as SimConversation);
    else s.tickets.upsert(copy as unknown as SimTicket);
  };
  const removeAll = (externalIds: string[]) => {
    for (const externalId of externalIds) {
      const { kind, id } = state.parse(externalId);
      // Deleting a conversation or a ticket is permanent: no tombstone, a later read is 404.
      const existed = kind === 'conversation' ? state.conversations.remove(id) : state.tickets.remove(id);
      state.parts.delete(id);
      // A ticket is a conversation: its deletion is listed with the conversations' [U].
      if (existed) state.deleted.push({ type: 'conversation', id, metrics_retained: false, deleted_at: seconds(state.now()) });
    }
  };

  const sim: IntercomSimulator = {
    url: base.url,
    credentials: () => ({ accessToken: state.accessToken, region: state.region.toLowerCase() as 'us' | 'eu' | 'au', clientSecret: state.clientSecret }),
    badCredentials: () => {
      const region = state.region.toLowerCase() as 'us' | 'eu' | 'au';
      const other = region === 'us' ? 'eu' : 'us';
      return [
        { description: 'a revoked access token (401 unauthorized, "Access Token Invalid")', credentials: { accessToken: `${state.accessToken.slice(0, -6)}AAAAAA`, region, clientSecret: state.clientSecret }, field: 'accessToken' },
        { description: 'the client secret pasted as the access token', credentials: { accessToken: state.clientSecret, region, clientSecret: state.clientSecret }, field: 'accessToken' },
        { description: `the workspace's token with the ${other.toUpperCase()} region`, credentials: { accessToken: state.accessToken, region: other, clientSecret: state.clientSecret }, field: 'region' },
      ];
    },
    async seed(count) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) ids.push(store(kindOf(g), g));
      return ids;
    },
    async seedKind(kind, count) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) ids.push(store(kind, g));
      return ids;
    },
    async seedSameSecond(count, at) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) {
        const id = store(kindOf(g), g);
        put(state, id, () => undefined, at);
        ids.push(id);
      }
      return ids;
    },
    async seedEdgeCases() {
      const [sparseG, unicodeG, hugeG, htmlG] = [...generator.iterate(4)] as [GeneratedTicket, GeneratedTicket, GeneratedTicket, GeneratedTicket];
      const sparse = store('conversation', sparseG);
      const unicode = store('conversation', unicodeG);
      const huge = store('ticket', hugeG);
      const html = store('conversation', htmlG);
      const length = 256 * 1024;
      // Sparse: what an API-created, untouched conversation prints: no title, empty subject and body, nobody assigned,
      // priority "none", empty tag list, no company property at all, empty custom attributes.
      put(state, sparse, (c) => {
        Object.assign(c, { title: null, admin_assignee_id: 0, team_assignee_id: 0, priority: 'none', custom_attributes: {}, teammates: null, statistics: null });
        delete c.company;
        (c.source as Record<string, unknown>).subject = '';
        (c.source as Record<string, unknown>).body = '';
        (c.tags as Record<string, unknown>).tags = [];
      });
      put(state, unicode, (c) => {
        c.title = EDGE_CASE_TEXT;
        (c.source as Record<string, unknown>).body = `<p>${escapeHtml(EDGE_CASE_TEXT)}</p>`;
      });
      // Huge: a ticket whose description attribute holds 256 KiB of text, and a 64 KiB custom attribute.
      put(state, huge, (t) => {
        const attrs = t.ticket_attributes as Record<string, unknown>;
        attrs._default_description_ = `${'x'.repeat(length - 6)} done.`;
        attrs['Debug log'] = 'y'.repeat(64 * 1024);
      });
      // An e-mail's HTML as Intercom keeps it in source.body.
      put(state, html, (c) => {
        c.title = 'Export fails';
        (c.source as Record<string, unknown>).body = '<div dir="ltr"><p>Hello&nbsp;<b>team</b>,</p><p>the export &amp; the import fail.<br>Since Monday.</p><script>track()</script></div>';
      });
      return { sparse, unicode, huge: { id: huge, length }, html: { id: html, text: 'Hello team,\nthe export & the import fail.\nSince Monday.' } };
    },
    async update(externalIds, o = {}) {
      for (const externalId of externalIds) {
        put(
          state,
          externalId,
          (x) => {
            if (x.type === 'conversation') {
              const i = CONVERSATION_CYCLE.indexOf(x.state as (typeof CONVERSATION_CYCLE)[number]);
              x.state = CONVERSATION_CYCLE[(i + 1) % CONVERSATION_CYCLE.length];
              x.open = x.state !== 'closed';
              const tags = x.tags as { tags: Array<Record<string, unknown>> };
              if (!tags.tags.some((t) => t.name === 'updated')) tags.tags.push({ type: 'tag', id: '999001', name: 'updated', applied_at: stamp(o.at), applied_by: { type: 'admin', id: state.admins[0]!.id } });
            } else {
              const s = x.ticket_state as { id: string };
              const i = TICKET_CYCLE.indexOf(s.id as (typeof TICKET_CYCLE)[number]);
              const next = TICKET_CYCLE[(i + 1) % TICKET_CYCLE.length]!;
              x.previous_ticket_state_id = s.id;
              x.ticket_state = { ...TICKET_STATE_BY_ID[next]! };
              x.open = TICKET_STATE_BY_ID[next]!.category !== 'resolved';
            }
          },
          o.at,
        );
      }
      return [...externalIds];
    },
    async remove(externalIds) {
      removeAll(externalIds);
      return [...externalIds];
    },
    async removeQuietly(externalIds) {
      removeAll(externalIds);
    },
    async addParts(externalId, count, o = {}) {
      const r = state.record(externalId);
      const at = stamp(o.at);
      const list = (state.parts.get(r.data.id) ?? []) as unknown[];
      for (let i = 0; i < count; i++) {
        list.push(
          i % 2 === 0
            ? part(state, 'comment', bodyHtml(`Customer message ${i + 1}`), at, { type: 'user', id: '6762f1261bb69f9f00000001', name: 'Dana', email: 'dana@example.com' })
            : part(state, 'note', bodyHtml(`Note ${i + 1}`), at, { type: 'admin', ...state.admins[0]! }),
        );
      }
      state.parts.set(r.data.id, list as never);
      put(state, externalId, (x) => {
        if (x.statistics && typeof x.statistics === 'object') (x.statistics as Record<string, unknown>).count_conversation_parts = list.length;
      }, o.at);
    },
    async patch(externalId, fields, o = {}) {
      put(state, externalId, (x) => Object.assign(x, structuredClone(fields)), o.at);
    },
    item: (externalId) => structuredClone(state.record(externalId).data) as unknown as Record<string, unknown>,
    post: (url, body, o = {}) => postNotification(state, url, body, o.forge),
    async notify(url, n, o = {}) {
      return postNotification(state, url, notificationEvent(state, n.topic, n.item, n.createdAt ?? seconds(state.now())), o.forge);
    },
    vocabulary: {
      // Conversation states and ticket state categories as the API prints them, with their meaning: a closed
      // conversation reopens on the customer's next reply (solved); a snoozed one waits; a submitted ticket is untouched.
      statuses: [
        ['open', 'open'],
        ['snoozed', 'pending'],
        ['closed', 'solved'],
        ['submitted', 'new'],
        ['in_progress', 'open'],
        ['waiting_on_customer', 'pending'],
        ['resolved', 'solved'],
      ],
      // Conversation priorities (2.16); tickets have no priority in Intercom's ticket model.
      priorities: [
        ['none', null],
        ['low', 'low'],
        ['medium', 'normal'],
        ['high', 'high'],
        ['urgent', 'urgent'],
        [null, null],
      ],
    },
    snapshot: () =>
      new Map([
        ...state.conversations.all().map((c) => [`conversation:${c.id}`, new Date(c.updated_at * 1000).toISOString()] as const),
        ...state.tickets.all().map((t) => [`ticket:${t.id}`, new Date(t.updated_at * 1000).toISOString()] as const),
      ]),
    faults: base.faults,
    rateLimit: base.rateLimit,
    stats: base.stats,
    resetStats() {
      base.resetStats();
      state.log.length = 0;
    },
    requests: () => [...state.log],
    oauth,
    oauthApp,
    webhooks: createWebhookSender(state),
    close: () => base.close(),
  };
  return sim;
}
