import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { intercom } from '../src/index.js';
import { startIntercomSimulator } from '../src/testing.js';

// The default connector reads every changed item back with its parts (one request each) and checkpoints every ten
// read-backs. 20 items keep the suite's rate-limit test (2 requests per second) within its time limit while still
// spanning several checkpoints, so "resume after a crash" replays one batch, not all.
describeConnectorConformance({ name: 'intercom', connector: () => intercom(), simulator: (o) => startIntercomSimulator(o), tickets: 20 });

// Search results only, against an EU workspace: 400 items (about 267 conversations and 133 tickets) make two
// conversation search pages of 150 and exercise the region check of Test & Connect.
describeConnectorConformance({
  name: 'intercom',
  title: 'intercom (search only, EU workspace)',
  connector: () => intercom({ includeParts: false }),
  simulator: (o) => startIntercomSimulator({ ...o, region: 'EU' }),
  tickets: 400,
});
