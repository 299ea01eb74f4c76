import { randomBytes } from 'node:crypto';
import { defineConnector, TicketbridgeError, type ConnectorContext, type WebhookInstructions, type WebhookItem, type WebhookRequest, type WebhookVerification } from '@ticketbridge/core';
import { hmacSignature, sharedSecret, type HmacSignature, type SignedPart } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import { webhookPushCredentials, type WebhookPushCredentials } from './credentials.js';
import { eventsOf, get, mapEvent, type MappingFailure, type PushMappingSpec } from './mapping.js';

export { webhookPushCredentials, HmacOptions, type WebhookPushCredentials } from './credentials.js';
export { PushMapping, JsonPath, mapEvent, eventsOf, type PushMappingInput, type PushMappingSpec, type MappingFailure, type MappedEvent } from './mapping.js';

/** The id tickets of this connector carry as `platform` unless the host names another. */
export const WEBHOOK_PUSH_PLATFORM = 'webhook-push';

/** Standard Webhooks (standardwebhooks.com): `v1,<base64>` over `${webhook-id}.${webhook-timestamp}.${body}`, key from `whsec_`. */
export const standardWebhooksSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { header: 'webhook-signature', prefix: 'v1,', separator: ' ' },
  timestamp: { header: 'webhook-timestamp', format: 'epoch-seconds' },
  signed: [{ header: 'webhook-id' }, { text: '.' }, 'timestamp', { text: '.' }, 'body'],
  secret: { encoding: 'base64', prefix: 'whsec_' },
});

/** The default header of the `token` verification. */
export const DEFAULT_TOKEN_HEADER = 'x-webhook-token';

/** A pushed body that does not fit the mapping: answered 400 with every failing path, nothing emitted. */
export class PushMappingError extends TicketbridgeError {
  /** Each failing path of the body, with why. */
  readonly failures: readonly MappingFailure[];

  constructor(failures: readonly MappingFailure[]) {
    const shown = failures.slice(0, 20).map((f) => `${f.path}: ${f.reason}`);
    const more = failures.length > 20 ? `; and ${failures.length - 20} more` : '';
    super('webhook', `the payload does not fit the mapping: ${shown.join('; ')}${more}`, { platform: WEBHOOK_PUSH_PLATFORM });
    this.name = 'PushMappingError';
    this.failures = failures;
  }
}

/** Options of {@link webhookPush}. */
export interface WebhookPushOptions {
  /** Connector id, and `platform` on its tickets (default `webhook-push`). Register several to tell senders apart. */
  id?: string;
  /** Name shown to users (default "Webhook Push"). */
  displayName?: string;
  /** Most events one request may carry (default 1000); more is answered 400 before any is mapped. */
  maxEventsPerRequest?: number;
}

const hmacCache = new WeakMap<object, HmacSignature>();

/** The HMAC recipe a connection described, built once per settings object. */
function hmacOf(credentials: WebhookPushCredentials): HmacSignature {
  const o = credentials.hmac!;
  const cached = hmacCache.get(o);
  if (cached) return cached;
  const signed: SignedPart[] = o.signed === 'body' ? ['body'] : o.signed === 'timestamp.body' ? ['timestamp', { text: '.' }, 'body'] : ['timestamp', 'body'];
  const scheme = hmacSignature({
    algorithm: o.algorithm,
    encoding: o.encoding,
    signature: { header: o.header, ...(o.prefix ? { prefix: o.prefix } : {}) },
    ...(o.timestampHeader ? { timestamp: { header: o.timestampHeader, format: o.timestampFormat } } : {}),
    signed,
  });
  hmacCache.set(o, scheme);
  return scheme;
}

/**
 * Webhook Push: tickets from any platform that can POST JSON to a URL. The hub generates the signing secret when
 * connecting and returns the URL and the exact instructions for the sender; each request is verified as the
 * connection says (Standard Webhooks, an HMAC header the host describes, a shared token header, or, only when the
 * host allows it, nothing), then mapped to tickets by the connection's declarative mapping. A payload that does not
 * fit is answered 400 naming each failing path and emits nothing. There is nothing to poll.
 *
 * @example
 * ```ts
 * const hub = createHub({ connectors: [webhookPush()], store, publicUrl: 'https://app.example.com' });
 * const conn = await hub.connect({
 *   platform: 'webhook-push',
 *   syncMode: 'webhook',
 *   credentials: { name: 'Acme Helpdesk', verification: 'standard-webhooks', mapping: { id: 'ticket.id', updatedAt: 'ticket.updated_at', subject: 'ticket.title' } },
 * });
 * // conn.webhookSetup.instructions: the URL, the headers and the whsec_ secret to give the sender.
 * ```
 */
export function webhookPush(options: WebhookPushOptions = {}) {
  const id = options.id ?? WEBHOOK_PUSH_PLATFORM;
  const maxEvents = options.maxEventsPerRequest ?? 1000;
  return defineConnector({
    id,
    displayName: options.displayName ?? 'Webhook Push',
    credentials: webhookPushCredentials,
    polls: false,
    // No platform API: the client is never used, but every connection context has one.
    http: () => ({ baseUrl: 'https://push.ticketbridge.invalid/', headers: {} }),
    async testConnection(ctx) {
      // The settings were validated against the schema (mapping paths included) before this runs.
      return { accountName: ctx.credentials.name, metadata: { verification: ctx.credentials.verification } };
    },
    cursor: z.null(),
    async *pull() {
      // Pushed tickets only.
    },
    fetchTicket: async () => null,
    webhook: {
      secretSource: 'host',
      generateSecret: (ctx) => (ctx.credentials.verification === 'standard-webhooks' ? `whsec_${randomBytes(32).toString('base64')}` : randomBytes(32).toString('base64url')),
      verify: (ctx, { request, secret }) => verify(ctx.credentials, request, secret),
      // Standard Webhooks keeps the message id across retries; other senders may name one in the body.
      eventId: (ctx, { request }) => eventIdOf(ctx.credentials, request),
      parse: (ctx, { request }) => parse(ctx, request, id, maxEvents),
      instructions: (ctx, target) => instructions(ctx.credentials, target),
    },
  });
}

function verify(c: WebhookPushCredentials, request: WebhookRequest, secret: string): WebhookVerification {
  switch (c.verification) {
    case 'standard-webhooks':
      if (!request.headers['webhook-id']) return { ok: false, reason: 'the webhook-id header is missing' };
      return standardWebhooksSignature.verify(request, secret);
    case 'hmac':
      return hmacOf(c).verify(request, secret);
    case 'token':
      return sharedSecret({ header: c.tokenHeader ?? DEFAULT_TOKEN_HEADER }).verify(request, secret);
    case 'none':
      // Only reachable when the host confirmed allowUnsigned (the settings schema refuses "none" otherwise).
      return c.allowUnsigned === true ? { ok: true } : { ok: false, reason: 'unsigned requests are not allowed' };
  }
}

function eventIdOf(c: WebhookPushCredentials, request: WebhookRequest): string | undefined {
  if (c.verification === 'standard-webhooks') return request.headers['webhook-id'];
  if (!c.mapping.idempotencyKey) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    // parse() answers an unreadable body; without an id it is simply not deduplicated.
    return undefined;
  }
  const id = get(body, c.mapping.idempotencyKey);
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 200) : undefined;
}

function parse(ctx: ConnectorContext<WebhookPushCredentials>, request: WebhookRequest, platform: string, maxEvents: number): WebhookItem[] {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new PushMappingError([{ path: '$', reason: 'the body is not valid JSON' }]);
  }
  const mapping: PushMappingSpec = ctx.credentials.mapping;
  const { events, failure } = eventsOf(body, mapping);
  if (failure) throw new PushMappingError([failure]);
  if (events.length > maxEvents) throw new PushMappingError([{ path: mapping.events, reason: `${events.length} events in one request; at most ${maxEvents}` }]);
  const failures: MappingFailure[] = [];
  const items: WebhookItem[] = [];
  for (const { at, event } of events) {
    const result = mapEvent(event, at, mapping, platform);
    if (!result.ok) failures.push(...result.failures);
    else items.push({ kind: 'ticket', ticket: result.ticket, occurredAt: result.ticket.updatedAt });
  }
  // All or nothing: a sender retries the whole request, so a half-accepted one would emit its good events twice.
  if (failures.length > 0) throw new PushMappingError(failures);
  return items;
}

function instructions(c: WebhookPushCredentials, target: { url: string; secret: string }): WebhookInstructions {
  const headers: Record<typeof c.verification, string[]> = {
    'standard-webhooks': [
      'Sign every request as Standard Webhooks specifies (https://www.standardwebhooks.com; official libraries: npm/pip/gem/go "standardwebhooks"):',
      '  webhook-id: a unique id per event (the same on retries)',
      '  webhook-timestamp: the send time in UNIX seconds (requests older than 5 minutes are refused)',
      `  webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>" keyed with the secret below, base64-decoded after "whsec_">`,
    ],
    hmac: c.hmac
      ? [
          `Sign every request: header ${c.hmac.header}: ${c.hmac.prefix ?? ''}<${c.hmac.encoding} HMAC-${c.hmac.algorithm.toUpperCase()} of ${
            c.hmac.signed === 'body' ? 'the raw body' : c.hmac.signed === 'timestamp.body' ? `"<${c.hmac.timestampHeader}>.<raw body>"` : `"<${c.hmac.timestampHeader}><raw body>"`
          } keyed with the secret below (its UTF-8 bytes)>`,
          ...(c.hmac.timestampHeader ? [`  ${c.hmac.timestampHeader}: the send time (${c.hmac.timestampFormat}); requests older than 5 minutes are refused`] : []),
        ]
      : [],
    token: [`Send the secret below in the header ${c.tokenHeader ?? DEFAULT_TOKEN_HEADER} on every request (HTTPS only).`],
    none: ['Requests are not verified: anyone who knows this URL can push tickets. Keep the URL private.'],
  };
  return {
    title: `Send ${c.name}'s ticket events to Ticketbridge`,
    steps: [
      `Endpoint URL: ${target.url}`,
      'Method: POST; header Content-Type: application/json; body: one event object, or an array of them' + (c.mapping.events === '$' ? '.' : ` at "${c.mapping.events}".`),
      ...(c.verification === 'none' ? [] : [`Signing secret: ${target.secret}`]),
      ...headers[c.verification],
      `Each event carries the ticket's id at "${typeof c.mapping.id === 'string' ? c.mapping.id : c.mapping.id.path}" and its last change time at "${typeof c.mapping.updatedAt === 'string' ? c.mapping.updatedAt : c.mapping.updatedAt.path}".`,
      'Answers: 200 accepted; 400 the payload does not fit the mapping (the body names each failing path: fix and resend); 401 bad signature or too old; 413 body over 1 MiB. Retry 5xx and network errors with back-off.',
    ],
    docsUrl: 'https://www.standardwebhooks.com/',
  };
}
