import type { z } from 'zod';
import type { TicketDraft } from '../model/ticket.js';
import type { JsonObject } from '../util/json.js';
import { fieldsWithoutMetadata, type CredentialsSchema } from '../credentials/describe-credentials.js';
import type { ConnectorContext } from './connector-context.js';
import type { HttpConfig } from './http-config.js';
import type { PullPage } from './pull-page.js';
import type { ConnectorWebhook } from './webhook.js';

/** The version of this contract. A hub refuses plugins written for another major version. */
export const CONTRACT_VERSION = 1;

/** What `testConnection` learned about the account; stored with the connection as `metadata`. */
export interface ConnectionInfo {
  /** Human-readable account name for the host's UI ("Acme Corp (acme.zendesk.com)"). */
  accountName: string;
  /** Anything the connector needs later (portal id, app id, user role...). JSON only. */
  metadata?: JsonObject;
}

/**
 * A connector: everything Ticketbridge knows about one platform. Build one with {@link defineConnector}.
 *
 * A connector knows nothing about storage, scheduling or retries: the core owns those, and gives the connector a
 * {@link ConnectorContext} with a ready HTTP client.
 */
export interface Connector<TSchema extends CredentialsSchema = CredentialsSchema, TCursor = unknown> {
  /** The contract version this connector was written for. */
  readonly contractVersion: typeof CONTRACT_VERSION;
  /** Stable id, used as `platform` on tickets and in `hub.connect({ platform })`. Lower-case, no spaces. */
  readonly id: string;
  /** Name for humans ("Zendesk Support"). */
  readonly displayName: string;
  /**
   * Zod object of the credentials, built with the field helpers so each field carries a label, help text and
   * whether it is secret. A host renders its Connect form from `describeCredentials(connector.credentials)`.
   */
  readonly credentials: TSchema;
  /** Default overlap for time-based cursors, in milliseconds (see {@link ConnectorContext.overlapMs}). */
  readonly defaultOverlapMs?: number;
  /**
   * HTTP settings for a connection: base URL from the validated credentials, auth headers, rate-limit header
   * parsing. A connection may override the origin (custom domain, proxy, simulator) but not the credentials check.
   */
  http(credentials: z.infer<TSchema>): HttpConfig;
  /**
   * The cheapest authenticated call. Resolves with account info, or throws `CredentialsError` naming the field at
   * fault and keeping the platform's message.
   */
  testConnection(ctx: ConnectorContext<z.infer<TSchema>>): Promise<ConnectionInfo>;
  /**
   * The shape of this connector's pull cursor. The engine checks a stored cursor against it before resuming, and
   * every page's `nextCursor` before committing it, so a cursor written by another connector or version, or a
   * corrupt one, never reaches `pull`: the run starts over from the beginning instead (dedupe drops what was
   * already delivered) and says so in its history.
   */
  readonly cursor: z.ZodType<TCursor>;
  /**
   * Incremental pull from `cursor` (`null` = first sync, from the platform's beginning) using the platform's best
   * "changed since" endpoint at its maximum page size. Yields pages; the last page's `nextCursor` is where the next
   * pull starts.
   */
  pull(ctx: ConnectorContext<z.infer<TSchema>>, input: { cursor: TCursor | null }): AsyncIterable<PullPage<TCursor>>;
  /**
   * `false` for a connector with nothing to poll (pushed webhooks, file imports): its `pull` yields nothing, the hub
   * schedules no poll for it, and tickets arrive by webhook or through `hub.importTickets`. Default true.
   */
  readonly polls?: boolean;
  /** One ticket by id, to hydrate thin webhook payloads. `null` when the platform says it does not exist. */
  fetchTicket(ctx: ConnectorContext<z.infer<TSchema>>, input: { externalId: string }): Promise<TicketDraft | null>;
  /**
   * Several tickets at once, for platforms with a batch read (HubSpot). The router uses it when a webhook names
   * more than one ticket; without it, `fetchTicket` is called per id. Tickets the platform no longer has are left out.
   */
  fetchTickets?(ctx: ConnectorContext<z.infer<TSchema>>, input: { externalIds: string[] }): Promise<TicketDraft[]>;
  /** Webhook support; omit for poll-only platforms. */
  readonly webhook?: ConnectorWebhook<z.infer<TSchema>>;
}

/**
 * What a plugin passes to {@link defineConnector}: a {@link Connector} whose `contractVersion` may be left out
 * (`defineConnector` stamps the version of the core it was built against).
 */
export type ConnectorDefinition<TSchema extends CredentialsSchema = CredentialsSchema, TCursor = unknown> = Omit<Connector<TSchema, TCursor>, 'contractVersion'> & {
  /** Leave it out; set only to assert the version a plugin was written for. */
  readonly contractVersion?: typeof CONTRACT_VERSION;
};

/** Any connector, whatever its credentials and cursor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = Connector<any, any>;

/** The credentials type of a connector. */
export type CredentialsOf<C> = C extends Connector<infer S, infer _> ? z.infer<S> : never;

/** The cursor type of a connector. */
export type CursorOf<C> = C extends Connector<infer _, infer T> ? T : never;

/**
 * Declares a connector. An identity function whose only job is type inference (credentials type flows from the
 * schema into every member) plus a few checks that catch plugin mistakes at load time.
 *
 * @example
 * ```ts
 * export function acme(options: AcmeOptions = {}) {
 *   return defineConnector({
 *     id: 'acme',
 *     displayName: 'Acme Desk',
 *     credentials: z.object({ subdomain: subdomainField({ label: 'Subdomain', suffix: '.acme.test' }), apiKey: secretField({ label: 'API key' }) }),
 *     http: (c) => ({ baseUrl: `https://${c.subdomain}.acme.test`, headers: { authorization: `Bearer ${c.apiKey}` }, authField: 'apiKey' }),
 *     testConnection: async (ctx) => ({ accountName: ctx.credentials.subdomain }),
 *     cursor: z.object({ updatedSince: z.string().nullable(), page: z.string().nullable() }),
 *     async *pull(ctx, { cursor }) { ... },
 *     fetchTicket: async (ctx, { externalId }) => ...,
 *   });
 * }
 * ```
 */
export function defineConnector<TSchema extends CredentialsSchema, TCursor>(definition: ConnectorDefinition<TSchema, TCursor>): Connector<TSchema, TCursor> {
  if (definition.contractVersion !== undefined && definition.contractVersion !== CONTRACT_VERSION) {
    throw new TypeError(`[ticketbridge] connector "${definition.id}" targets contract v${String(definition.contractVersion)}; this core speaks v${CONTRACT_VERSION}`);
  }
  const connector: Connector<TSchema, TCursor> = { ...definition, contractVersion: CONTRACT_VERSION };
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(connector.id)) {
    throw new TypeError(`[ticketbridge] connector id "${connector.id}" must be lower-case letters, digits and hyphens`);
  }
  const webhook = connector.webhook;
  if (webhook && !webhook.register && !webhook.instructions) {
    throw new TypeError(`[ticketbridge] connector "${connector.id}": a webhook needs register() or instructions()`);
  }
  if (webhook?.canRegister && !webhook.instructions) {
    // A connection canRegister() turns away must still be told how to set the webhook up by hand.
    throw new TypeError(`[ticketbridge] connector "${connector.id}": a webhook with canRegister() needs instructions() too`);
  }
  if (webhook?.maintain && (!webhook.register || !(webhook.maintain.everyMs >= 60_000))) {
    // Upkeep keeps alive what register() created, at most once a minute.
    throw new TypeError(`[ticketbridge] connector "${connector.id}": webhook.maintain needs register() and an everyMs of at least 60000`);
  }
  if (webhook?.secretSource === 'credentials' && !webhook.secretField) {
    throw new TypeError(`[ticketbridge] connector "${connector.id}": secretSource 'credentials' needs secretField`);
  }
  const bare = fieldsWithoutMetadata(connector.credentials);
  if (bare.length > 0) {
    // A bare z.string() would be rendered as a plain text input and, if it holds a token, never redacted.
    throw new TypeError(
      `[ticketbridge] connector "${connector.id}": credentials field${bare.length > 1 ? 's' : ''} ${bare.map((f) => `"${f}"`).join(', ')} ` +
        'carry no field metadata; build each with subdomainField, secretField, emailField, textField or selectField, or wrap it in markSecret / markField',
    );
  }
  return connector;
}
