import { type ConnectorWebhook, type WebhookInstructions, type WebhookItem, type WebhookRequest, type WebhookVerification } from '@ticketbridge/core';
import { hmacSignature, readWebhookJson } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import type { HubSpotCredentials } from './credentials.js';

/** How old (or how far in the future) a v3 timestamp may be; HubSpot's docs and SDKs use 5 minutes. The hub enforces it. */
export const HUBSPOT_SIGNATURE_MAX_AGE_MS = 5 * 60_000;

/** HubSpot's object type id for tickets, sent as `objectTypeId` by the generic `object.*` subscriptions. */
export const TICKET_OBJECT_TYPE_ID = '0-5';

/** Ticket properties worth a property-change subscription (the ones the normalized model reads). */
export const WEBHOOK_PROPERTIES = ['subject', 'content', 'hs_pipeline_stage', 'hs_ticket_priority', 'hubspot_owner_id', 'hs_ticket_category'] as const;

/**
 * `X-HubSpot-Signature-v3`: base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)), the timestamp
 * (ms) from `X-HubSpot-Request-Timestamp`. The official SDKs hash the URI exactly as delivered; one of HubSpot's
 * samples decodes it first, so that form is accepted too.
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export const hubspotSignatureV3 = hmacSignature({
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { header: 'x-hubspot-signature-v3' },
  timestamp: { header: 'x-hubspot-request-timestamp', format: 'epoch-ms' },
  signed: ['method', 'url', 'body', 'timestamp'],
  alternatives: [['method', 'decoded-url', 'body', 'timestamp']],
});

/**
 * The legacy `X-HubSpot-Signature` (chosen by `X-HubSpot-Signature-Version`): v1 is hex(SHA-256(clientSecret +
 * rawBody)), v2 hex(SHA-256(clientSecret + method + uri + rawBody)); plain hashes, not HMACs, and with no timestamp.
 * https://developers.hubspot.com/docs/faq/v1-request-validation, https://developers.hubspot.com/docs/faq/v2-request-validation
 */
export const hubspotLegacySignatures = {
  v1: hmacSignature({ algorithm: 'sha256', encoding: 'hex', construction: 'secret-prefix', signature: { header: 'x-hubspot-signature' }, signed: ['body'] }),
  v2: hmacSignature({
    algorithm: 'sha256',
    encoding: 'hex',
    construction: 'secret-prefix',
    signature: { header: 'x-hubspot-signature' },
    signed: ['method', 'url', 'body'],
    alternatives: [['method', 'decoded-url', 'body']],
  }),
} as const;

/**
 * `X-HubSpot-Signature-v3`: base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)); the hub refuses
 * a timestamp more than 5 minutes away from when the request arrived.
 */
export function signHubSpotV3(secret: string, method: string, uri: string, body: string | Buffer, timestamp: string): string {
  return hubspotSignatureV3.sign({ secret, method, url: uri, body, timestamp });
}

/** v1: hex(SHA-256(clientSecret + rawBody)). v2: hex(SHA-256(clientSecret + method + uri + rawBody)). */
export function signHubSpotLegacy(version: 'v1' | 'v2', secret: string, method: string, uri: string, body: string | Buffer): string {
  return hubspotLegacySignatures[version].sign({ secret, method, url: uri, body });
}

/** Options of {@link verifyHubSpotSignature}. */
export interface HubSpotSignatureOptions {
  /**
   * Accept requests signed only with v1/v2 (`X-HubSpot-Signature`). Default `false`: those signatures cover no
   * timestamp, so a captured request verifies forever. When `true`, the hub accepts such a request only if every
   * event's `occurredAt` lies inside the replay window.
   */
  acceptLegacySignatures?: boolean;
}

/**
 * Verifies a HubSpot webhook with `X-HubSpot-Signature-v3` and returns its signed timestamp (the hub refuses it
 * outside the 5-minute replay window). HubSpot sends v3 on every webhook today, with v1/v2 beside it for older
 * apps; a request without v3 is refused unless `acceptLegacySignatures` is set, since falling back to v1/v2 would
 * let anyone replay a captured request (a year-old `ticket.deletion`, say) by leaving the v3 header out.
 */
export function verifyHubSpotSignature(request: WebhookRequest, secret: string, options: HubSpotSignatureOptions = {}): WebhookVerification {
  if (request.headers['x-hubspot-signature-v3'] !== undefined) return hubspotSignatureV3.verify(request, secret);
  if (!options.acceptLegacySignatures) {
    return {
      ok: false,
      reason:
        'no X-HubSpot-Signature-v3 header: v1/v2 signatures carry no timestamp and are refused as possible replays (the connector option acceptLegacySignatures allows them)',
    };
  }
  if (!request.headers['x-hubspot-signature']) return { ok: false, reason: 'no X-HubSpot-Signature-v3 or X-HubSpot-Signature header' };
  const version = (request.headers['x-hubspot-signature-version'] ?? '').toLowerCase();
  if (version !== 'v1' && version !== 'v2') return { ok: false, reason: `unsupported X-HubSpot-Signature-Version "${version}"` };
  // No signedAt: the hub checks each event's occurredAt against the replay window instead.
  return hubspotLegacySignatures[version].verify(request, secret);
}

/**
 * One event of a webhook batch: thin, no ticket snapshot. Legacy subscriptions say `ticket.creation`; generic ones say
 * `object.creation` with `objectTypeId: "0-5"`. `occurredAt` is epoch milliseconds.
 * https://developers.hubspot.com/docs/api/webhooks#webhook-payloads
 */
export const HubSpotWebhookEvent = z.object({
  eventId: z.union([z.number(), z.string()]).optional(),
  subscriptionType: z.string(),
  objectId: z.union([z.number(), z.string()]).transform((v) => String(v)).optional(),
  objectTypeId: z.string().optional(),
  occurredAt: z.number(),
  propertyName: z.string().optional(),
  primaryObjectId: z.union([z.number(), z.string()]).transform((v) => String(v)).optional(),
  /** Association changes name both ends and the pair (`TICKET_TO_CONTACT`, `CONTACT_TO_TICKET`...). */
  associationType: z.string().optional(),
  fromObjectId: z.union([z.number(), z.string()]).transform((v) => String(v)).optional(),
  toObjectId: z.union([z.number(), z.string()]).transform((v) => String(v)).optional(),
  mergedObjectIds: z.array(z.union([z.number(), z.string()]).transform((v) => String(v))).optional(),
});
/** One event of a webhook batch. */
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEvent>;

/** A webhook body: HubSpot batches up to 100 events per request. */
export const HubSpotWebhookBody = z.array(HubSpotWebhookEvent);

function ticketAction(event: HubSpotWebhookEvent): string | null {
  const [object, action] = event.subscriptionType.split('.');
  // An association change is sent once per side; the ticket side is the one that changes our requester.
  if (action === 'associationChange') return /^TICKET_TO_/.test(event.associationType ?? '') ? action : null;
  if (!action) return null;
  if (object === 'ticket') return action;
  if (object === 'object' && event.objectTypeId === TICKET_OBJECT_TYPE_ID) return action;
  return null;
}

/**
 * Collapses a batch to one item per ticket: the ticket's latest event decides. A deletion becomes `deleted`; every
 * other ticket event (creation, property change, restore, association change, merge primary) becomes a `ref` that
 * the router hydrates for the whole batch with one batch read. Merged-away tickets are reported deleted; a
 * `TICKET_TO_CONTACT` association change refreshes the ticket (its requester).
 */
export function parseHubSpotWebhook(request: WebhookRequest): WebhookItem[] {
  const events = readWebhookJson(request, HubSpotWebhookBody, { platform: 'hubspot', expected: 'an array of events' });
  const latest = new Map<string, { at: number; deleted: boolean }>();
  const note = (id: string, at: number, deleted: boolean) => {
    const seen = latest.get(id);
    if (!seen || at >= seen.at) latest.set(id, { at, deleted });
  };
  for (const event of events) {
    const action = ticketAction(event);
    if (!action) continue;
    if (action === 'merge') {
      if (event.primaryObjectId) note(event.primaryObjectId, event.occurredAt, false);
      for (const id of event.mergedObjectIds ?? []) if (id !== event.primaryObjectId) note(id, event.occurredAt, true);
      continue;
    }
    if (action === 'associationChange') {
      if (event.fromObjectId) note(event.fromObjectId, event.occurredAt, false);
      continue;
    }
    if (!event.objectId) continue;
    note(event.objectId, event.occurredAt, action === 'deletion' || action === 'privacyDeletion');
  }
  return [...latest.entries()].map(([externalId, v]) =>
    v.deleted ? { kind: 'deleted', externalId, deletedAt: new Date(v.at).toISOString() } : { kind: 'ref', externalId, occurredAt: new Date(v.at).toISOString() },
  );
}

/**
 * The manual setup: private apps cannot manage webhook subscriptions through the API, only in their settings.
 * https://developers.hubspot.com/docs/apps/legacy-apps/private-apps/create-and-edit-webhook-subscriptions-in-private-apps
 */
export function hubspotWebhookInstructions(target: { url: string }): WebhookInstructions {
  return {
    title: 'Subscribe your HubSpot private app to ticket events',
    steps: [
      'In HubSpot, open Settings (gear icon) → Integrations → Private Apps (newer accounts: Development → Legacy apps) and click the private app whose token you connected.',
      `Open the Webhooks tab and set Target URL to ${target.url}`,
      'Click Create subscription, choose object type Tickets, and tick Created, Deleted and Property changed.',
      `For Property changed, pick the properties to follow: ${WEBHOOK_PROPERTIES.join(', ')} (and any custom property you sync).`,
      'Click Subscribe, then Commit changes (top right): subscriptions take effect only once committed.',
      'Open the Auth tab, click Show under Client secret, and paste it into this connection\'s "Private app client secret" field: every webhook is verified with it (X-HubSpot-Signature-v3).',
    ],
    docsUrl: 'https://developers.hubspot.com/docs/apps/legacy-apps/private-apps/create-and-edit-webhook-subscriptions-in-private-apps',
  };
}

/** The webhook part of the HubSpot connector. */
export function hubspotWebhook(options: HubSpotSignatureOptions = {}): ConnectorWebhook<HubSpotCredentials> {
  return {
    secretSource: 'credentials',
    secretField: 'clientSecret',
    replayWindowMs: HUBSPOT_SIGNATURE_MAX_AGE_MS,
    verify: (_ctx, { request, secret }) => verifyHubSpotSignature(request, secret, options),
    parse: (_ctx, { request }) => parseHubSpotWebhook(request),
    instructions: (_ctx, target) => hubspotWebhookInstructions(target),
  };
}
