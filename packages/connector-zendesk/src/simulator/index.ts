import type { ServerResponse } from 'node:http';
import { createRandom, EDGE_CASE_TEXT, startLoopbackServer, type SimRequest, type SimResponse } from '@ticketbridge/core/testing';
import { createTicketMaker, STATUSES } from './generate.js';
import { createLimits } from './limits.js';
import { createOAuth, INVALID_TOKEN } from './oauth.js';
import { createRoutes } from './routes.js';
import { createSimState, iso } from './state.js';
import type { SimZendeskTicket, ZendeskSimAuth, ZendeskSimCredentialsFor, ZendeskSimulator, ZendeskSimulatorOptions } from './types.js';
import { createWebhookSender } from './webhooks.js';

export type {
  SimTrigger,
  SimWebhook,
  SimZendeskTicket,
  ZendeskSimAuth,
  ZendeskSimAuthorizeRequest,
  ZendeskSimClientKind,
  ZendeskSimCredentialField,
  ZendeskSimCredentials,
  ZendeskSimCredentialsFor,
  ZendeskSimGrantType,
  ZendeskSimOAuthClient,
  ZendeskSimOAuthControl,
  ZendeskSimOAuthCredentials,
  ZendeskSimOAuthStats,
  ZendeskSimRequestRecord,
  ZendeskSimulator,
  ZendeskSimulatorOptions,
} from './types.js';

/**
 * Starts a Zendesk Support simulator on loopback. It serves the endpoints the connector uses with Zendesk's
 * shapes, error bodies, rate-limit headers and quirks: the cursor export's one-minute exclusion and 1000-ticket
 * pages, side-loads, admin-only exports, cursor-paginated comments capped at 100, the Webhooks API with signing
 * secrets and the documented event types only, triggers, and signed webhook deliveries. Generated tickets vary as
 * real ones do (null tags, empty text, absent members, extra properties, comments without plain_body), always
 * the same for a seed. It also plays Zendesk's OAuth server (`POST /oauth/tokens`, the authorization page, Bearer
 * tokens with scopes, refresh-token rotation); `auth: 'oauth_client_credentials'` makes `credentials()` return the
 * client credentials of a confidential client, and `sim.oauth` controls tokens and clients.
 *
 * @example
 * ```ts
 * const sim = await startZendeskSimulator({ seed: 7 });
 * await sim.seed(50);
 * await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url });
 * ```
 */
export async function startZendeskSimulator<A extends ZendeskSimAuth = 'api_token'>(options: ZendeskSimulatorOptions<A> = {}): Promise<ZendeskSimulator<A>> {
  const state = createSimState(options);
  // The kit's seeded PRNG: the same seed gives the same account.
  const makeTicket = createTicketMaker(state, createRandom(state.seed).next);
  const limits = createLimits(options);
  const routes = createRoutes(state);
  const oauth = createOAuth(state);

  async function handle(req: SimRequest, res: ServerResponse): Promise<SimResponse | undefined> {
    const path = req.url.pathname;
    state.log.push({ method: req.method, path, query: new URLSearchParams(req.url.search) });
    // The OAuth server is not part of the REST API: its requests do not count against the API rate limits [U].
    const oauthPath = path === '/oauth/tokens' || path === '/oauth/authorizations/new';
    const gate = await limits.gate(path, res, !oauthPath);
    if (gate.kind === 'dropped') return undefined;
    if (gate.kind === 'answer') return gate.response;
    if (path === '/oauth/tokens') return oauth.tokens(req);
    if (path === '/oauth/authorizations/new') return oauth.authorizationPage(req);
    const bearer = oauth.bearer(req);
    if (bearer?.kind === 'invalid') return { status: 401, headers: gate.headers, body: INVALID_TOKEN };
    if (bearer && !oauth.allows(bearer.scopes, req.method, path)) return { status: 403, headers: gate.headers, body: routes.FORBIDDEN };
    const user = bearer ? bearer.user : routes.authenticate(req);
    if (user === 'unauthorized') return { status: 401, headers: gate.headers, body: routes.UNAUTHORIZED };
    const out = routes.route(req, user);
    return { ...out, headers: { ...gate.headers, ...out.headers } };
  }

  const server = await startLoopbackServer(handle);

  // Stamps a change at the simulator's time, then lets the export's excluded minute pass (unless told otherwise).
  function touch(t: SimZendeskTicket, at: number) {
    t.updated_at = iso(at);
    t.generated_timestamp = Math.floor(at / 1000);
    state.revision++;
  }
  const advance = (advanceMs: number | undefined) => {
    state.offsetMs += advanceMs ?? 61_000;
  };

  const { users, customers, agents, apiToken, subdomain } = state;
  const apiTokenCredentials = {
    credentials: () => ({ subdomain, email: users[0]!.email, apiToken }),
    badCredentials: () => [
      { description: 'wrong API token (401 "Couldn\'t authenticate you")', credentials: { subdomain, email: users[0]!.email, apiToken: `${apiToken.slice(0, -4)}xxxx` }, field: 'apiToken' },
      {
        description: 'e-mail of no user with a valid token',
        credentials: { subdomain, email: `nobody@${subdomain}.test`, apiToken },
        field: options.unknownEmail === 'anonymous' ? 'email' : 'apiToken',
      },
      { description: 'an agent, not an admin (the export would answer 403)', credentials: { subdomain, email: users[1]!.email, apiToken }, field: 'email' },
      { description: 'an end user', credentials: { subdomain, email: customers[0]!.email, apiToken }, field: 'email' },
    ],
  };
  const method = 'oauth_client_credentials' as const;
  const { clientId, clientSecret } = oauth.main as { clientId: string; clientSecret: string };
  const oauthCredentials = {
    credentials: () => ({ method, subdomain, clientId, clientSecret }),
    badCredentials: () => [
      { description: 'wrong client secret (401 invalid_client)', credentials: { method, subdomain, clientId, clientSecret: `${clientSecret.slice(0, -4)}xxxx` }, field: 'clientSecret' },
      // Zendesk answers an unknown client exactly as a wrong secret (401 invalid_client), so no connector can tell
      // them apart: the secret, checked first, is the field a user is sent to.
      { description: 'unknown client id (401 invalid_client, the same answer as a wrong secret)', credentials: { method, subdomain, clientId: 'zdsim_no_such_client', clientSecret }, field: 'clientSecret' },
      {
        description: 'a client whose allowed scopes exclude tickets:read (400 invalid_scope)',
        credentials: { method, subdomain, clientId: oauth.restricted.clientId, clientSecret: oauth.restricted.clientSecret! },
        field: 'scopes',
      },
    ],
  };
  // The cast ties the runtime choice to the type parameter: `A` is exactly the `auth` option's type.
  const auth = (options.auth === 'oauth_client_credentials' ? oauthCredentials : apiTokenCredentials) as unknown as {
    credentials(): ZendeskSimCredentialsFor<A>;
    badCredentials(): Array<{ description: string; credentials: ZendeskSimCredentialsFor<A>; field: string }>;
  };
  const sim: ZendeskSimulator<A> = {
    url: server.url,
    credentials: auth.credentials,
    badCredentials: auth.badCredentials,
    async seed(count) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const t = makeTicket();
        state.tickets.set(t.id, t);
        ids.push(String(t.id));
      }
      state.revision++;
      return ids;
    },
    async seedEdgeCases() {
      const made = [makeTicket(), makeTicket(), makeTicket()];
      for (const t of made) state.tickets.set(t.id, t);
      state.revision++;
      const [sparse, unicode, huge] = made as [SimZendeskTicket, SimZendeskTicket, SimZendeskTicket];
      const length = 256 * 1024;
      // Zendesk prints unset optional fields as null (tags as an empty list); subject and description may be empty.
      Object.assign(sparse, { subject: '', raw_subject: '', description: '', assignee_id: null, organization_id: null, priority: null, tags: [] });
      Object.assign(unicode, { subject: EDGE_CASE_TEXT, raw_subject: EDGE_CASE_TEXT, description: EDGE_CASE_TEXT });
      Object.assign(huge, { description: 'x'.repeat(length - 6) + ' done.' });
      return { sparse: String(sparse.id), unicode: String(unicode.id), huge: { id: String(huge.id), length } };
    },
    async update(externalIds, o = {}) {
      const at = state.now();
      for (const id of externalIds) {
        const t = state.ticket(id);
        const i = STATUSES.indexOf(t.status as (typeof STATUSES)[number]);
        t.status = STATUSES[(i + 1) % STATUSES.length]!;
        if (t.status !== 'new' && (t.assignee_id ?? null) === null) t.assignee_id = agents[1]!.id;
        t.tags = [...new Set([...(t.tags ?? []), 'updated'])];
        touch(t, at);
        if (o.at !== undefined) t.updated_at = iso(Date.parse(o.at));
      }
      advance(o.advanceMs);
      return [...externalIds];
    },
    remove: (externalIds) => sim.deleteTickets(externalIds),
    async deleteTickets(externalIds, o = {}) {
      const at = state.now();
      for (const id of externalIds) {
        const t = state.ticket(id);
        t.status = 'deleted';
        touch(t, at);
      }
      advance(o.advanceMs);
      return externalIds;
    },
    async addComment(externalId, c, o = {}) {
      const t = state.ticket(externalId);
      const at = state.now();
      state.addComment(t, { authorId: c.authorId ?? agents[1]!.id, body: c.body, public: c.public, at, ...(c.html === undefined ? {} : { html: c.html }), ...(c.plainBody === undefined ? {} : { plainBody: c.plainBody }) });
      touch(t, at);
      advance(o.advanceMs);
    },
    async patchTicket(externalId, fields, o = {}) {
      const t = state.ticket(externalId);
      Object.assign(t, fields);
      touch(t, state.now());
      advance(o.advanceMs);
    },
    vocabulary: {
      // Zendesk's documented ticket statuses and priorities; "hold" is the on-hold status, and an unset priority is null.
      statuses: [
        ['new', 'new'],
        ['open', 'open'],
        ['pending', 'pending'],
        ['hold', 'on_hold'],
        ['solved', 'solved'],
        ['closed', 'closed'],
      ],
      priorities: [
        ['low', 'low'],
        ['normal', 'normal'],
        ['high', 'high'],
        ['urgent', 'urgent'],
        [null, null],
      ],
    },
    snapshot: () => new Map([...state.tickets.values()].map((t) => [String(t.id), new Date(t.updated_at).toISOString()])),
    faults: limits.faultControl,
    rateLimit: limits.rateLimit,
    stats: limits.stats,
    resetStats: limits.resetStats,
    webhooks: createWebhookSender(state),
    clock: {
      now: () => new Date(state.now()),
      advance(ms) {
        state.offsetMs += ms;
      },
    },
    user(role) {
      const u = users.find((x) => x.role === role)!;
      return { id: u.id, email: u.email, name: u.name };
    },
    requests: () => [...state.log],
    registered: () => ({ webhooks: [...state.webhooks.values()].map(({ secret: _s, ...w }) => w), triggers: [...state.triggers.values()] }),
    oauth: oauth.control,
    close: () => server.close(),
  };
  return sim;
}
