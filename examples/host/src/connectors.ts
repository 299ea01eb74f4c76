/**
 * The platforms this example host offers on its Connect page, in the order shown. To add a connector (yours, or a
 * third party's), append one entry: the page, the API and `pnpm start` pick it up from here and nowhere else.
 */
import type { AnyConnector, HubOptions } from '@ticketbridge/core';
import type { ConnectorSimulator } from '@ticketbridge/core/testing';
import { zendesk } from '@ticketbridge/connector-zendesk';
import { startZendeskSimulator } from '@ticketbridge/connector-zendesk/testing';
import { freshdesk } from '@ticketbridge/connector-freshdesk';
import { startFreshdeskSimulator } from '@ticketbridge/connector-freshdesk/testing';
import { jira } from '@ticketbridge/connector-jira';
import { startJiraSimulator } from '@ticketbridge/connector-jira/testing';
import { intercom } from '@ticketbridge/connector-intercom';
import { startIntercomSimulator } from '@ticketbridge/connector-intercom/testing';
import { hubspot } from '@ticketbridge/connector-hubspot';
import { startHubSpotSimulator } from '@ticketbridge/connector-hubspot/testing';
import { webhookPush } from '@ticketbridge/connector-webhook-push';
import { csvSource } from '@ticketbridge/csv-import';
// A third party's connector, written only against the published packages (examples/custom-connector).
import { helpScout } from '@ticketbridge/example-connector-helpscout';
import { startHelpScoutSimulator } from '@ticketbridge/example-connector-helpscout/testing';

/** An OAuth client of the product, as the hub takes it for "Sign in with …" methods. */
export type OAuthClient = NonNullable<HubOptions['oauthClients']>[string];

/** A running simulator of a platform, for `pnpm start` (no account, no network). */
export interface PlatformSimulator {
  sim: ConnectorSimulator<object>;
  /** The product's OAuth client on the simulated platform, registered with the host's callback URL. */
  oauthClient?(callbackUrl: string): OAuthClient;
}

/** One platform of the Connect page. */
export interface HostPlatform {
  connector: AnyConnector;
  /** The badge shown instead of a logo: initials and a background colour (CSS). */
  badge: { initials: string; color: string };
  /**
   * Starts a simulator of the platform on loopback with `tickets` tickets, for `pnpm start` and the browser test.
   * Absent for sources that are not an API (CSV files, Webhook Push).
   */
  simulator?(tickets: number): Promise<PlatformSimulator>;
}

/** Every platform the host offers. Fresh connector instances on each call. */
export function hostPlatforms(): HostPlatform[] {
  return [
    {
      connector: zendesk(),
      badge: { initials: 'ZD', color: '#03363d' },
      async simulator(tickets) {
        // The recommended method: an OAuth client (Zendesk retires API tokens).
        const sim = await startZendeskSimulator({ seed: 12, auth: 'oauth_client_credentials' });
        await sim.seed(tickets);
        return {
          sim,
          oauthClient: (callbackUrl) => {
            const client = sim.oauth.client('global', { redirectUris: [callbackUrl] });
            return { clientId: client.clientId, clientSecret: client.clientSecret!, redirectUri: callbackUrl };
          },
        };
      },
    },
    { connector: freshdesk(), badge: { initials: 'FD', color: '#25c16f' }, simulator: seeded(() => startFreshdeskSimulator({ seed: 14 })) },
    { connector: jira(), badge: { initials: 'JI', color: '#0052cc' }, simulator: seeded(() => startJiraSimulator({ seed: 16 })) },
    { connector: intercom(), badge: { initials: 'IC', color: '#1f8ded' }, simulator: seeded(() => startIntercomSimulator({ seed: 15 })) },
    { connector: hubspot(), badge: { initials: 'HS', color: '#ff7a59' }, simulator: seeded(() => startHubSpotSimulator({ seed: 13 })) },
    { connector: helpScout(), badge: { initials: 'HSC', color: '#1292ee' }, simulator: seeded(() => startHelpScoutSimulator({ seed: 17 })) },
    { connector: webhookPush(), badge: { initials: 'WP', color: '#6b4fbb' } },
    { connector: csvSource(), badge: { initials: 'CSV', color: '#555' } },
  ];
}

function seeded(start: () => Promise<ConnectorSimulator<object>>) {
  return async (tickets: number): Promise<PlatformSimulator> => {
    const sim = await start();
    await sim.seed(tickets);
    return { sim };
  };
}
