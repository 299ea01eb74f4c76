import { randomBytes } from 'node:crypto';
import type { AnyConnector } from '../connector/connector.js';
import type { ConnectorContext } from '../connector/connector-context.js';
import { ConfigError } from '../errors/config-error.js';
import { CredentialsError } from '../errors/credentials-error.js';
import type { StoredWebhook, SyncMode } from '../store/types.js';

/** What {@link setUpWebhook} made: what to store with the connection, and a secret to show the user once. */
export interface WebhookSetup {
  webhook: StoredWebhook;
  /** A host-generated secret the user must paste into the platform (shown at connect time only). */
  secretForUser?: string;
}

/**
 * The webhook side of Test & Connect: take the signing secret from where the connector says (the platform, the
 * host, a credentials field), then register through the platform's API or produce the manual steps.
 */
export async function setUpWebhook(options: {
  connector: AnyConnector;
  ctx: ConnectorContext<Record<string, unknown>>;
  syncMode: SyncMode;
  url: string;
  /** The URL every connection shares (see `WebhookTarget.sharedUrl`). */
  sharedUrl: string;
  /** The hub-held OAuth client's secret, for a connector whose deliveries are signed with it. */
  oauthClientSecret?: string | undefined;
}): Promise<WebhookSetup> {
  const { connector, ctx, syncMode, url, sharedUrl } = options;
  const wh = connector.webhook!;
  // The platform has the API but this connection may not use it: the manual steps, with the host's secret.
  const mayRegister = wh.register !== undefined && (wh.canRegister === undefined || (await wh.canRegister(ctx)));
  // Only a registration is signed with the OAuth client's secret: manual steps must never show a customer the app's secret.
  if (wh.register && mayRegister && wh.signedWithOAuthClientSecret?.(ctx) === true) {
    if (!options.oauthClientSecret) {
      throw new ConfigError(`${connector.displayName} signs this connection's webhooks with the OAuth client's secret: set oauthClients.${connector.id}.clientSecret`, { platform: connector.id, field: 'oauthClients' });
    }
    const registration = await wh.register(ctx, { url, sharedUrl, secret: options.oauthClientSecret });
    return { webhook: { secret: registration.secret, registration, secretFrom: 'oauth_client', ...maintained(connector) } };
  }
  let secret: string;
  if (wh.secretSource === 'credentials') {
    const value = ctx.credentials[wh.secretField!];
    if (typeof value !== 'string' || !value) {
      throw new CredentialsError(`${wh.secretField} is required for syncMode "${syncMode}": webhooks are verified with it`, { platform: connector.id, field: wh.secretField! });
    }
    secret = value;
  } else secret = wh.generateSecret?.(ctx) ?? randomBytes(32).toString('base64url');
  if (wh.register && mayRegister) {
    const registration = await wh.register(ctx, { url, sharedUrl, secret });
    return { webhook: { secret: registration.secret, registration, ...maintained(connector) } };
  }
  const webhook: StoredWebhook = { secret, instructions: wh.instructions!(ctx, { url, sharedUrl, secret }) };
  return wh.secretSource === 'host' ? { webhook, secretForUser: secret } : { webhook };
}

/** A registration that expires starts its upkeep clock now. */
function maintained(connector: AnyConnector): Pick<StoredWebhook, 'maintenance'> {
  return connector.webhook?.maintain ? { maintenance: { okAt: new Date().toISOString() } } : {};
}

/** Removes what {@link setUpWebhook} registered on the platform, if anything. */
export async function tearDownWebhook(connector: AnyConnector | undefined, ctx: () => ConnectorContext<Record<string, unknown>>, webhook: StoredWebhook | undefined): Promise<void> {
  const registration = webhook?.registration;
  if (connector?.webhook?.unregister && registration) await connector.webhook.unregister(ctx(), { registration });
}
