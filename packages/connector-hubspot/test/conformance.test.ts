import { describeConnectorConformance } from '@ticketbridge/core/testing';
import { hubspot } from '../src/index.js';
import { startHubSpotSimulator } from '../src/testing.js';

describeConnectorConformance({ name: 'hubspot', connector: () => hubspot(), simulator: (o) => startHubSpotSimulator(o) });
