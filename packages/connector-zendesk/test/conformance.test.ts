import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { zendesk } from '../src/index.js';
import { startZendeskSimulator } from '../src/testing.js';

// 2500 tickets make three export pages (1000 + 1000 + 500), so "resume after a crash" replays one page, not all.
describeConnectorConformance({ name: 'zendesk', connector: () => zendesk(), simulator: (o) => startZendeskSimulator(o), tickets: 2500 });

// The same suite with an OAuth client (client-credentials grant), the method that replaces API tokens.
describeConnectorConformance({
  name: 'zendesk',
  title: 'zendesk (OAuth client)',
  connector: () => zendesk(),
  simulator: (o) => startZendeskSimulator({ ...o, auth: 'oauth_client_credentials' }),
  tickets: 2500,
});
