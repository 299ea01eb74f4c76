import type { TicketDraft } from '../model/ticket.js';
import type { JsonValue } from '../util/json.js';
import type { ConnectorContext } from './connector-context.js';

/** An incoming webhook request, as the router hands it to a connector. */
export interface WebhookRequest {
  method: string;
  /** The full URL as received (scheme, host, path and the raw, undecoded query string). */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw body bytes: signatures are computed over these, never over re-serialized JSON. */
  rawBody: Buffer;
  /** When the router received it. */
  receivedAt: Date;
}

/**
 * What a webhook says about one ticket.
 *
 * `occurredAt` (ISO-8601) is when the platform says the event happened. It matters only for signature schemes
 * whose signed content carries no time (see {@link WebhookVerification}): the router then checks each item's event
 * time against the replay window instead.
 */
export type WebhookItem =
  /** The payload carried the whole ticket (its `updatedAt` stands in for `occurredAt` when that is absent). */
  | { kind: 'ticket'; ticket: TicketDraft; occurredAt?: string }
  /** The payload only named the ticket (thin payloads): the router hydrates it through `fetchTicket`. */
  | { kind: 'ref'; externalId: string; occurredAt?: string }
  /** The ticket was deleted; nothing to hydrate. `deletedAt` is the event time. */
  | { kind: 'deleted'; externalId: string; deletedAt: string };

/**
 * Result of verifying a signature.
 *
 * A connector reports `signedAt` when the signed content includes a timestamp (Zendesk, HubSpot v3, Standard
 * Webhooks): the router, not the connector, refuses a request whose `signedAt` lies outside the replay window, so
 * every platform gets the same window and the same answer (401). Without `signedAt` (a scheme that signs only the
 * body) a captured request could be replayed forever; the router then accepts it only when every parsed item
 * carries an event time inside the window, and refuses it otherwise.
 */
export type WebhookVerification = { ok: true; signedAt?: Date } | { ok: false; reason: string };

/** What `register` returns and the core stores with the connection (secret fields are sealed at rest). */
export interface WebhookRegistration {
  /** The secret the platform signs with (read back from the platform, or the one the host generated). */
  secret: string;
  /** Ids of what was created on the platform, so `unregister` can remove exactly that. */
  resources: JsonValue;
  /**
   * Keys under which the router finds this connection for a delivery whose URL names none (see
   * {@link ConnectorWebhook.route}): for Jira's dynamic webhooks, the site and the registered webhook ids. The store
   * indexes them with the connection and replaces them whenever the registration changes (an upkeep that registered
   * again). Not secret. At most 50 keys of at most 200 characters each.
   */
  routeKeys?: string[];
}

/**
 * Where the platform should send a connection's deliveries, as `register`, `instructions` and `maintain` receive it.
 */
export interface WebhookTarget {
  /** `<publicUrl>/api/webhooks/tickets?connectorId=<id>`: routed by the connection id it carries. */
  url: string;
  /**
   * `<publicUrl>/api/webhooks/tickets`, the same for every connection: for platforms that allow one URL per app (Jira's
   * dynamic webhooks: "Only a single URL per app is allowed to be registered"). Deliveries to it are routed by
   * {@link ConnectorWebhook.route} and the registration's `routeKeys`.
   */
  sharedUrl: string;
  /** The signing secret. */
  secret: string;
}

/** Manual setup for platforms whose API cannot register a webhook. */
export interface WebhookInstructions {
  /** One-line summary. */
  title: string;
  /** The exact steps, in order, with the URL and secret filled in (the secret may be `[redacted]` in history). */
  steps: string[];
  /** Link to the platform's own documentation of these steps. */
  docsUrl?: string;
}

/** Where the signing secret comes from. */
export type WebhookSecretSource =
  /** The platform generates it (Zendesk reads it back after `register`). */
  | 'platform'
  /** The host generates it and the user pastes it into the platform, or it is sent when registering. */
  | 'host'
  /** The user supplies it as a credentials field (HubSpot's app client secret). */
  | 'credentials';

/** The webhook part of a connector. */
export interface ConnectorWebhook<TCredentials> {
  /** Where the signing secret comes from. */
  secretSource: WebhookSecretSource;
  /**
   * For `secretSource: 'credentials'`: the credentials field that holds it. Webhooks are refused (401) when the
   * connection has no value there.
   */
  secretField?: keyof TCredentials & string;
  /**
   * How far `signedAt` (or, without it, an item's event time) may lie from the time of receipt, either way, in
   * milliseconds. Default: the hub's `webhookReplayWindowMs` (5 minutes). Set it only where the platform documents
   * another window.
   */
  replayWindowMs?: number;
  /**
   * Checks the signature (constant-time compare) and returns the signed timestamp, if the scheme has one; the router
   * checks it against the replay window. Must not parse the body first: the router only parses what this accepted.
   * Must not fall back to a weaker scheme (one without a timestamp) when the stronger one's header is missing,
   * unless the host opted in: that fallback is how captured requests get replayed.
   */
  verify(ctx: ConnectorContext<TCredentials>, input: { request: WebhookRequest; secret: string }): WebhookVerification | Promise<WebhookVerification>;
  /**
   * Turns a verified request into items. Throws a `TicketbridgeError` with code `webhook` (answered 400) for a
   * body it cannot read. Returning `[]` acknowledges an event that carries no ticket change (pings, other topics).
   */
  parse(ctx: ConnectorContext<TCredentials>, input: { request: WebhookRequest }): WebhookItem[] | Promise<WebhookItem[]>;
  /**
   * The sender's id of this delivery, the same on every retry (Standard Webhooks' `webhook-id`, Jira's
   * `X-Atlassian-Webhook-Identifier`). With it, the router answers a delivery it already accepted with 200 and
   * `duplicate: true` without reading it again, even when a retry's body differs (a sender that re-renders times).
   * Called only after `verify` accepted the request.
   */
  eventId?(ctx: ConnectorContext<TCredentials>, input: { request: WebhookRequest }): string | undefined;
  /**
   * For a platform whose deliveries reach one URL shared by every connection (a `register` that uses
   * {@link WebhookTarget.sharedUrl}): the routing keys this delivery carries, read from its unverified headers and body
   * (`jira-site:acme.atlassian.net/webhook:42`). The router calls it only when the URL names no `connectorId`, looks up
   * the connections of this platform whose {@link WebhookRegistration.routeKeys} hold one of them, and runs each
   * through `verify`, `parse` and the inbox as if its id had been in the URL: a delivery can belong to several
   * connections (one event matched the webhooks of two). Keys only choose candidates; each candidate still verifies
   * the request with its own secret. Must be cheap and must not throw for another platform's payload: return `[]`.
   */
  route?(input: { request: WebhookRequest }): readonly string[];
  /** Registers the webhook through the platform's API. Omit when the platform has no such API. */
  register?(ctx: ConnectorContext<TCredentials>, target: WebhookTarget): Promise<WebhookRegistration>;
  /**
   * Whether this connection may use `register`, for a platform whose webhook API only some accounts may call (Jira's
   * admin webhooks need the Jira admin right, which Test & Connect can put in `metadata`). When it answers false the
   * core gives the user {@link instructions} instead, which such a connector must declare. Absent: always true.
   */
  canRegister?(ctx: ConnectorContext<TCredentials>): boolean | Promise<boolean>;
  /** Removes what `register` created; called on disconnect. */
  unregister?(ctx: ConnectorContext<TCredentials>, input: { registration: WebhookRegistration }): Promise<void>;
  /**
   * For `secretSource: 'host'`: the secret in the form the sender expects (Standard Webhooks' `whsec_` + base64 of
   * 24 to 64 random bytes). Default: 32 random bytes as base64url. It must carry at least 128 bits of randomness.
   */
  generateSecret?(ctx: ConnectorContext<TCredentials>): string;
  /** Manual steps, for platforms (or plans) where `register` is impossible. */
  instructions?(ctx: ConnectorContext<TCredentials>, target: WebhookTarget): WebhookInstructions;
  /**
   * Whether this connection's deliveries are signed with the client secret of the hub-held OAuth client
   * (`createHub({ oauthClients })`, a `client: 'hub'` credential method) rather than the `secretSource` secret: Atlassian
   * signs an OAuth 2.0 app's dynamic webhooks with the app's client secret. When true, the core hands that secret to
   * `register` and `verify`, and keeps the stored copy in step with the hub's configuration when the hub starts (the
   * replaced one verifies for a day). Absent: false.
   */
  signedWithOAuthClientSecret?(ctx: ConnectorContext<TCredentials>): boolean;
  /**
   * Keeps a registered webhook alive, for platforms whose subscriptions expire (Jira's dynamic webhooks after 30 days).
   * The hub runs it per connection through its `Scheduler` (job key `maintain:<connectionId>`), `everyMs` after
   * the registration or the last successful run, and soon after a restart when a run is due; each run is recorded on
   * the stored webhook and reported in the `webhook.maintained` event; transient failures are retried with back-off.
   */
  maintain?: WebhookMaintenance<TCredentials>;
}

/** What {@link WebhookMaintenance.run} did. */
export interface WebhookMaintenanceResult {
  /** The registration to keep from now on (a refreshed expiry, the ids of a re-created webhook). Absent: unchanged. */
  registration?: WebhookRegistration;
  /** One line for the host ("refreshed until 2026-04-01T00:00:00.000Z", "re-registered: the webhook had expired"). */
  note?: string;
}

/** How a connector keeps its registered webhook alive. See {@link ConnectorWebhook.maintain}. */
export interface WebhookMaintenance<TCredentials> {
  /** Time between runs, in ms (at least one minute), measured from the registration or the last successful run. */
  everyMs: number;
  /**
   * Refreshes what `register` created, or registers it again when the platform lost it. Throws a `TicketbridgeError`
   * when it cannot: `transient` and `rate_limit` errors (and retryable HTTP errors) are retried with back-off, others
   * wait for the next scheduled run. Called only for connections whose webhook `register` created.
   */
  run(ctx: ConnectorContext<TCredentials>, input: WebhookTarget & { registration: WebhookRegistration }): Promise<WebhookMaintenanceResult>;
}
