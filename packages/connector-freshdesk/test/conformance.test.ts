import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { freshdesk } from '../src/index.js';
import { startFreshdeskSimulator } from '../src/testing.js';

// 450 tickets make five list pages, so "resume after a crash" replays one page, not all. The suite's rate-limit test
// sets a one-second window on the simulator; Freshdesk's real window is a minute (the connector's default).
describeConnectorConformance({
  name: 'freshdesk',
  connector: () => freshdesk({ rateLimitWindowMs: 1_000 }),
  simulator: (o) => startFreshdeskSimulator(o),
  tickets: 450,
});
