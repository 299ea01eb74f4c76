import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { hubspot } from '../src/index.js';
import { startHubSpotSimulator } from '../src/testing.js';

// 500 tickets: with HubSpot's 200-ticket pages the crash-resume case needs a committed page before the crash.
describeConnectorConformance({ name: 'hubspot', connector: () => hubspot(), simulator: (o) => startHubSpotSimulator(o), tickets: 500 });
