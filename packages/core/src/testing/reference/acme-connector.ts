import { z } from 'zod';
import { defineConnector, type Connector } from '../../connector/connector.js';
import type { ConnectorContext } from '../../connector/connector-context.js';
import { credentialMethod, credentialMethods } from '../../credentials/credential-methods.js';
import { secretField, subdomainField, textField } from '../../credentials/fields.js';
import { CredentialsError, ResponseShapeError } from '../../errors/index.js';
import type { RateLimitHeaders } from '../../connector/rate-limit-headers.js';
import type { TicketPriority, TicketStatus, TicketDraft } from '../../model/ticket.js';
import { hmacSignature } from '../../toolkit/hmac-signature.js';
import { paginateCursor } from '../../toolkit/paginate-cursor.js';
import { readWebhookJson } from '../../toolkit/read-webhook-json.js';
import { isoInstant } from '../../toolkit/iso-instant.js';
import { ACME_SIGNATURE_HEADER, ACME_TIMESTAMP_HEADER, AcmeError, AcmeMe, AcmeTicket, AcmeTicketEnvelope, AcmeTicketPage, AcmeWebhookPayload } from './acme-api.js';
import { ACME_MAX_PAGE_SIZE } from './acme-simulator.js';

/** Options of {@link acme}. */
export interface AcmeOptions {
  /** Tickets per page of the incremental feed (default and maximum 100). */
  pageSize?: number;
  /** How old a webhook's `X-Acme-Timestamp` may be before it is refused as a replay, in ms (default 5 minutes). */
  replayWindowMs?: number;
}

/** Acme Desk's rate-limit headers: requests left, and seconds until the window resets. */
export const acmeRateLimit: RateLimitHeaders = {
  windows: [{ remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'seconds' } }],
};

/** Acme Desk's webhook signature: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<raw body>"`, timestamp in UNIX seconds. */
export const acmeSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'hex',
  signature: { header: ACME_SIGNATURE_HEADER, prefix: 'sha256=' },
  timestamp: { header: ACME_TIMESTAMP_HEADER, format: 'epoch-seconds' },
  signed: ['timestamp', { text: '.' }, 'body'],
});

/** The credentials schema of the reference connector. */
export const acmeCredentials = z.object({
  subdomain: subdomainField({ label: 'Subdomain', suffix: '.acme-desk.test', help: 'The first part of your Acme Desk address: "acme" for acme.acme-desk.test', placeholder: 'acme' }),
  apiToken: secretField({ label: 'API token', help: 'Acme Desk → Settings → API → Personal access tokens → Generate token (admin role needed)' }),
});

/** The pull cursor of the reference connector; the engine checks stored cursors against it before resuming. */
export const AcmeCursor = z.object({
  /** `updated_since` of the current pass, whole seconds; `null` reads everything. */
  updatedSince: z.string().nullable(),
  /** The platform's cursor inside that pass; `null` between passes. */
  cursor: z.string().nullable(),
  /** The latest `updated_at` seen so far in this pass (the next pass starts from it, minus the overlap). */
  highWater: z.string().nullable(),
});
/** The pull cursor of the reference connector (JSON). */
export type AcmeCursor = z.infer<typeof AcmeCursor>;

/**
 * The reference connector for Acme Desk, the kit's fictional platform. Built only with the public contract
 * (`defineConnector`, the field helpers, `ctx.http`), it is the worked example for plugin authors: a time-based
 * incremental feed with second-granular timestamps (overlap + dedupe), a cursor that resumes mid-pass after a
 * crash, thin webhooks hydrated through `fetchTicket`, a host-generated signing secret with manual setup steps,
 * and credentials errors that name the field at fault.
 *
 * @example
 * ```ts
 * const hub = createHub({ connectors: [acme()], store: new MemoryStore(), publicUrl });
 * const sim = await startAcmeSimulator({ tickets: 100 });
 * await hub.connect({ platform: 'acme', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'both' });
 * ```
 */
export function acme(options: AcmeOptions = {}): Connector<typeof acmeCredentials, AcmeCursor> {
  const pageSize = Math.min(options.pageSize ?? ACME_MAX_PAGE_SIZE, ACME_MAX_PAGE_SIZE);
  const replayWindowMs = options.replayWindowMs ?? 5 * 60_000;

  return defineConnector({
    id: 'acme',
    displayName: 'Acme Desk',
    credentials: acmeCredentials,
    // Acme Desk prints whole seconds: re-read a minute so same-second and late-indexed updates are never missed.
    defaultOverlapMs: 60_000,
    http: (c) => ({
      baseUrl: `https://${c.subdomain}.acme-desk.test/api`,
      headers: { authorization: `Bearer ${c.apiToken}` },
      authField: 'apiToken',
      rateLimit: acmeRateLimit,
      errorMessage: (body) => {
        const parsed = AcmeError.safeParse(body);
        return parsed.success ? parsed.data.message : undefined;
      },
    }),

    async testConnection(ctx) {
      const me = await ctx.http.get('me', { schema: AcmeMe });
      // Tokens are scoped to one account: a valid token for another account means the subdomain is wrong.
      if (me.account.subdomain !== ctx.credentials.subdomain) {
        throw new CredentialsError(`this API token belongs to the account "${me.account.subdomain}", not "${ctx.credentials.subdomain}"`, {
          field: 'subdomain',
          platform: 'acme',
          status: 200,
          request: 'GET /me',
        });
      }
      return {
        accountName: `${me.account.name} (${me.account.subdomain}.acme-desk.test)`,
        metadata: { accountId: me.account.id, userId: me.user.id, role: me.user.role },
      };
    },

    cursor: AcmeCursor,

    async *pull(ctx, { cursor: start }) {
      const { updatedSince, cursor } = start ?? { updatedSince: null, cursor: null };
      let highWater = start?.highWater ?? null;
      const pages = paginateCursor({
        start: cursor ?? undefined,
        fetchPage: (at) => ctx.http.get('tickets', { searchParams: { updated_since: updatedSince ?? undefined, cursor: at, per_page: pageSize }, schema: AcmeTicketPage, keepBody: true }),
        read: (page) => ({ cursor: page.next_cursor, end: page.next_cursor === null }),
        signal: ctx.signal,
        platform: 'acme',
      });
      for await (const { page, checkpoint, end } of pages) {
        // The page schema checked every ticket already: no second walk per ticket.
        const tickets = page.tickets.map((t) => acmeDraft(t, t));
        for (const t of tickets) if (highWater === null || Date.parse(t.updatedAt) > Date.parse(highWater)) highWater = t.updatedAt;
        if (!end) {
          yield { tickets, nextCursor: { updatedSince, cursor: checkpoint ?? null, highWater } };
          continue;
        }
        // End of this pass: the next one starts overlapMs before the newest change seen, at the API's granularity.
        const next: AcmeCursor =
          highWater === null ? { updatedSince, cursor: null, highWater: null } : { updatedSince: floorToSecond(new Date(Date.parse(highWater) - ctx.overlapMs).toISOString()), cursor: null, highWater: null };
        yield { tickets, nextCursor: next };
      }
    },

    async fetchTicket(ctx, { externalId }) {
      const res = await ctx.http.request(`tickets/${encodeURIComponent(externalId)}`, { schema: AcmeTicketEnvelope, acceptStatus: [404] });
      return res.ok ? normalizeAcmeTicket(res.data.ticket) : null;
    },

    webhook: {
      secretSource: 'host',
      replayWindowMs,
      // The hub checks the replay window against the signed time the verifier reports.
      verify: (_ctx, { request, secret }) => acmeSignature.verify(request, secret),
      parse(_ctx, { request }) {
        const payload = readWebhookJson(request, AcmeWebhookPayload, { platform: 'acme', expected: 'an Acme Desk event with event and ticket_id' });
        const { event, ticket_id: externalId, occurred_at: occurredAt } = payload;
        switch (event) {
          case 'ticket.created':
          case 'ticket.updated':
            return [{ kind: 'ref', externalId }];
          case 'ticket.deleted':
            return [{ kind: 'deleted', externalId, deletedAt: occurredAt && !Number.isNaN(Date.parse(occurredAt)) ? new Date(occurredAt).toISOString() : request.receivedAt.toISOString() }];
          default:
            // Pings and topics we do not subscribe to are acknowledged, not errors.
            return [];
        }
      },
      instructions: (ctx: ConnectorContext<z.infer<typeof acmeCredentials>>, target) => ({
        title: 'Add a webhook endpoint in Acme Desk',
        steps: [
          `Sign in to https://${ctx.credentials.subdomain}.acme-desk.test as an admin.`,
          'Open Settings → Developers → Webhooks and click "Add endpoint".',
          `Endpoint URL: ${target.url}`,
          `Signing secret: ${target.secret}`,
          'Events: ticket.created, ticket.updated, ticket.deleted.',
          'Click Save, then "Send test event": the endpoint must answer 200.',
        ],
        docsUrl: 'https://developer.acme-desk.test/docs/webhooks',
      }),
    },
  });
}

/** Acme Desk's account subdomain field, shared by every credential method. */
const acmeSubdomain = () => subdomainField({ label: 'Subdomain', suffix: '.acme-desk.test', help: 'The first part of your Acme Desk address: "acme" for acme.acme-desk.test', placeholder: 'acme' });
const acmeTokenUrl = (c: { subdomain: string }) => `https://${c.subdomain}.acme-desk.test/oauth/token`;
/** The least scopes: reading tickets and the caller's account. Acme Desk webhooks are set up by hand, so no more. */
const acmeScopes = () => ['tickets:read', 'account:read'] as const;

/**
 * The credentials of {@link acmeWithOAuth}: three credential methods, as a platform retiring API tokens offers them.
 * The worked example of `credentialMethods` and OAuth declared as data.
 */
export const acmeOAuthCredentials = credentialMethods(
  {
    oauth_client_credentials: credentialMethod({
      label: 'OAuth client (server to server)',
      help: 'An OAuth client an Acme Desk admin created for this integration.',
      fields: {
        subdomain: acmeSubdomain(),
        clientId: textField({ label: 'Client id', help: 'Acme Desk → Settings → Developers → OAuth clients → your client → Identifier' }),
        clientSecret: secretField({ label: 'Client secret', help: 'Shown once when the client is created' }),
      },
      oauth: { grant: 'client_credentials', tokenUrl: acmeTokenUrl, scopes: acmeScopes, client: { idField: 'clientId', secretField: 'clientSecret' } },
    }),
    oauth_authorization_code: credentialMethod({
      label: 'Sign in with Acme Desk',
      help: 'An admin signs in and approves access; the product\'s own OAuth client is used.',
      fields: { subdomain: acmeSubdomain() },
      oauth: {
        grant: 'authorization_code',
        authorizeUrl: (c) => `https://${c.subdomain}.acme-desk.test/oauth/authorize`,
        tokenUrl: acmeTokenUrl,
        scopes: acmeScopes,
        client: 'hub',
      },
    }),
    api_token: credentialMethod({
      label: 'API token (legacy)',
      fields: { subdomain: acmeSubdomain(), apiToken: secretField({ label: 'API token', help: 'Acme Desk → Settings → API → Personal access tokens' }) },
      deprecated: { endsOn: '2027-04-30', message: 'Reconnect with an OAuth client or "Sign in with Acme Desk".' },
    }),
  },
  { defaultMethod: 'api_token' },
);

/**
 * The reference connector with OAuth: {@link acme} whose credentials are {@link acmeOAuthCredentials}. Only `http`
 * changes: an OAuth method sends no auth header of its own, because the core adds the access token it manages.
 */
export function acmeWithOAuth(options: AcmeOptions = {}) {
  const base = acme(options);
  type Credentials = z.output<typeof acmeOAuthCredentials>;
  return defineConnector({
    ...(base as unknown as Omit<Connector<typeof acmeOAuthCredentials, AcmeCursor>, 'http' | 'credentials' | 'contractVersion'>),
    credentials: acmeOAuthCredentials,
    http: (c: Credentials) => {
      if (c.method === 'api_token') return base.http(c);
      const { headers: _apiTokenHeader, authField: _field, ...rest } = base.http({ subdomain: c.subdomain, apiToken: 'unused' });
      return { ...rest, headers: {} };
    },
  });
}

/** An Acme Desk ticket object to the normalized model; throws `ResponseShapeError` on an unexpected shape. */
export function normalizeAcmeTicket(raw: unknown): TicketDraft {
  const parsed = AcmeTicket.safeParse(raw);
  if (!parsed.success) throw shapeError('ticket', parsed.error);
  return acmeDraft(parsed.data, raw);
}

/** The draft of a ticket already checked against {@link AcmeTicket}. */
function acmeDraft(t: AcmeTicket, raw: unknown): TicketDraft {
  return {
    externalId: t.id,
    platform: 'acme',
    url: t.html_url,
    subject: t.subject,
    description: t.description,
    status: mapAcmeStatus(t.status),
    rawStatus: t.status,
    priority: mapAcmePriority(t.priority),
    rawPriority: t.priority,
    channel: t.channel,
    requester: t.requester ? { externalId: t.requester.id, name: t.requester.name, email: t.requester.email } : null,
    assignee: t.assignee ? { externalId: t.assignee.id, name: t.assignee.name, email: t.assignee.email } : null,
    organization: t.organization ? { externalId: t.organization.id, name: t.organization.name } : null,
    tags: t.tags,
    customFields: t.custom_fields,
    createdAt: instant(t.created_at),
    updatedAt: instant(t.updated_at),
    deleted: t.deleted,
    raw,
  };
}

/** Acme Desk status → normalized status. */
export function mapAcmeStatus(raw: string): TicketStatus {
  switch (raw) {
    case 'new':
      return 'new';
    case 'open':
      return 'open';
    case 'waiting':
      return 'pending';
    case 'on_hold':
      return 'on_hold';
    case 'resolved':
      return 'solved';
    case 'closed':
      return 'closed';
    default:
      // Custom statuses added by an admin: treat as still being worked on; rawStatus keeps the original.
      return 'open';
  }
}

/** Acme Desk priority → normalized priority (`null` when unset or unknown). */
export function mapAcmePriority(raw: string | null): TicketPriority | null {
  switch (raw) {
    case 'low':
      return 'low';
    case 'medium':
      return 'normal';
    case 'high':
      return 'high';
    case 'critical':
      return 'urgent';
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

/** `updated_since` accepts whole seconds only; rounding down re-reads at most one extra second. */
function floorToSecond(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function issuePaths(error: z.ZodError): string[] {
  return error.issues.map((i) => i.path.join('.') || '(root)');
}

function instant(value: string): string {
  const iso = isoInstant(value);
  if (iso === undefined) throw new ResponseShapeError(`Acme Desk timestamp "${value}" is not a date`, { platform: 'acme' });
  return iso;
}

function shapeError(what: string, error: z.ZodError): ResponseShapeError {
  return new ResponseShapeError(`unexpected ${what} shape from Acme Desk`, { platform: 'acme', issues: issuePaths(error) });
}
