import { createHash, createHmac } from 'node:crypto';

/** A webhook body as signed: the exact bytes sent. */
export type SignedBody = string | Buffer;

/**
 * Zendesk: `base64(HMAC-SHA256(secret, timestamp + body))`, no separator, sent as `X-Zendesk-Webhook-Signature`
 * with the timestamp in `X-Zendesk-Webhook-Signature-Timestamp`. An empty body signs the empty string.
 * Source: developer.zendesk.com/documentation/webhooks/verifying/
 */
export function signZendesk(options: { secret: string; timestamp: string; body: SignedBody }): string {
  return createHmac('sha256', options.secret).update(options.timestamp).update(options.body).digest('base64');
}

/**
 * Generic `sha256=<hex HMAC-SHA256(secret, payload)>` (GitHub-style; Jira admin webhooks; Acme over
 * `timestamp.body`). `prefix` defaults to `sha256=`; pass `''` for a bare hex digest.
 */
export function signHmacSha256Hex(options: { secret: string; payload: SignedBody; prefix?: string }): string {
  return (options.prefix ?? 'sha256=') + createHmac('sha256', options.secret).update(options.payload).digest('hex');
}

/**
 * Intercom: `sha1=<hex HMAC-SHA1(client_secret, body)>`, sent as `X-Hub-Signature`.
 * Source: Intercom webhook docs ("Signed notifications"), as summarised in PLATFORMS.md [3P confirmed by Nango].
 */
export function signHmacSha1Hex(options: { secret: string; payload: SignedBody; prefix?: string }): string {
  return (options.prefix ?? 'sha1=') + createHmac('sha1', options.secret).update(options.payload).digest('hex');
}

/**
 * HubSpot signature v3: `base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp))`, with the URI exactly
 * as delivered (not decoded) and the timestamp in ms from `X-HubSpot-Request-Timestamp`. Sent as
 * `X-HubSpot-Signature-v3`. Source: developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function signHubSpotV3(options: { secret: string; method: string; uri: string; body: SignedBody; timestamp: string }): string {
  return createHmac('sha256', options.secret).update(options.method).update(options.uri).update(options.body).update(options.timestamp).digest('base64');
}

/** HubSpot signature v1: `hex(SHA256(clientSecret + body))`, `X-HubSpot-Signature` with `X-HubSpot-Signature-Version: v1`. */
export function signHubSpotV1(options: { secret: string; body: SignedBody }): string {
  return createHash('sha256').update(options.secret).update(options.body).digest('hex');
}

/** HubSpot signature v2: `hex(SHA256(clientSecret + method + uri + body))`, `X-HubSpot-Signature-Version: v2`. */
export function signHubSpotV2(options: { secret: string; method: string; uri: string; body: SignedBody }): string {
  return createHash('sha256').update(options.secret).update(options.method).update(options.uri).update(options.body).digest('hex');
}
