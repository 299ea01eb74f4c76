import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { helpScout } from '../src/index.js';
import { startHelpScoutSimulator } from '../src/testing.js';

// 250 conversations are ten pages of 25 and two restarted queries, so "resume after a crash" replays one page. The
// suite's rate-limit test sets a one-second window on the simulator; Help Scout's real window is a minute.
describeConnectorConformance({
  name: 'helpscout',
  connector: () => helpScout({ rateLimitWindowMs: 1_000 }),
  simulator: (o) => startHelpScoutSimulator(o),
});
